import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { assertUnreachable } from './assert-unreachable';

/** The HTTP status of each error code. Exhaustive: a new code does not compile until it is placed here. */
export function statusOf(code: ErrorCode): HttpStatus {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
    case ErrorCode.MALFORMED_JSON:
    case ErrorCode.INVALID_DATABASE_NAME:
    case ErrorCode.INVALID_IDENTIFIER:
    case ErrorCode.TABLE_NOT_FOUND:
    case ErrorCode.UNKNOWN_COLUMN:
    case ErrorCode.NO_ROWS_PROVIDED:
    case ErrorCode.SQL_ERROR:
    case ErrorCode.CONSTRAINT_VIOLATION:
    case ErrorCode.MULTIPLE_STATEMENTS:
    case ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED:
    case ErrorCode.TOO_MANY_STATEMENTS:
    case ErrorCode.RESULT_TOO_LARGE:
    case ErrorCode.LIBSQL_STREAM_EXPIRED:
    case ErrorCode.REPLICATION_OFF:
    case ErrorCode.LIBSQL_PROTOCOL_ERROR:
    case ErrorCode.UNKNOWN_OPERATOR:
    case ErrorCode.INVALID_CURSOR:
    case ErrorCode.UNFILTERED_WRITE:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.UNAUTHENTICATED:
      return HttpStatus.UNAUTHORIZED;
    case ErrorCode.STATEMENT_NOT_ALLOWED:
    case ErrorCode.PRAGMA_NOT_ALLOWED:
    case ErrorCode.INVALID_API_KEY:
    case ErrorCode.INSUFFICIENT_SCOPE:
    case ErrorCode.FOREIGN_REQUEST:
      return HttpStatus.FORBIDDEN;
    case ErrorCode.STATEMENT_TIMEOUT:
      return HttpStatus.REQUEST_TIMEOUT;
    case ErrorCode.RATE_LIMITED:
      return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.DATABASE_NOT_FOUND:
    case ErrorCode.API_KEY_NOT_FOUND:
    case ErrorCode.ROUTE_NOT_FOUND:
    case ErrorCode.SNAPSHOT_NOT_FOUND:
    case ErrorCode.REPLICA_NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case ErrorCode.NOT_ACCEPTABLE:
      return HttpStatus.NOT_ACCEPTABLE;
    case ErrorCode.RUNTIME_UNAVAILABLE:
    case ErrorCode.DATABASE_BUSY:
    case ErrorCode.DATABASE_FILE_MISSING:
      return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.RUNTIME_FAILURE:
      return HttpStatus.BAD_GATEWAY;
    case ErrorCode.RESTORE_INVALID:
      return HttpStatus.BAD_REQUEST;
    case ErrorCode.INTERNAL_ERROR:
      return HttpStatus.INTERNAL_SERVER_ERROR;
    case ErrorCode.STREAM_INTERRUPTED:
    case ErrorCode.DATABASE_EXISTS:
      return HttpStatus.CONFLICT;
    case ErrorCode.NOT_IN_TRASH:
      return HttpStatus.NOT_FOUND;
    default:
      return assertUnreachable(code);
  }
}
