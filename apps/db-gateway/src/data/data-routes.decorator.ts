import { UseGuards, applyDecorators } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { ApiErrors } from '../common/api-errors.decorator';
import { ActiveDatabaseGuard } from './active-database.guard';

/**
 * A controller of routes on one database's data: the database must be active before anything else
 * is looked at, and every such route can answer the errors of a statement run against it.
 */
export const DataRoutes = () =>
  applyDecorators(
    UseGuards(ActiveDatabaseGuard),
    ApiErrors(
      ErrorCode.INVALID_DATABASE_NAME,
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.MALFORMED_JSON,
      ErrorCode.PAYLOAD_TOO_LARGE,
      ErrorCode.DATABASE_NOT_FOUND,
      ErrorCode.DATABASE_FILE_MISSING,
      ErrorCode.DATABASE_BUSY,
      ErrorCode.STATEMENT_TIMEOUT,
    ),
  );
