import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { negotiateRowFormat, RowFormat } from '../data-plane/streaming/accept-format';

/** The row format the request's `Accept` header prefers (JSON unless NDJSON or CSV is asked for). */
export const AcceptedRowFormat = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RowFormat => negotiateRowFormat(context.switchToHttp().getRequest<Request>().headers.accept),
);
