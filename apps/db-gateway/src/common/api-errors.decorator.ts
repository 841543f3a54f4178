import { HttpStatus, applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorBodyDto } from '@dbforge/contracts';

const DESCRIPTIONS: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Invalid input: a bad name, body or SQL (`detail` says which).',
  [HttpStatus.UNAUTHORIZED]: 'No API key (when DBFORGE_ADMIN_KEY is set).',
  [HttpStatus.FORBIDDEN]: 'A wrong key, a key without the scope, or a statement that is not allowed.',
  [HttpStatus.NOT_FOUND]: 'Database not found.',
  [HttpStatus.REQUEST_TIMEOUT]: 'The statement ran past DBFORGE_STATEMENT_TIMEOUT_MS and was interrupted.',
  [HttpStatus.TOO_MANY_REQUESTS]: 'Rate limit reached; see Retry-After.',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Body larger than DBFORGE_MAX_BODY_BYTES.',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'The container runtime or the database is unavailable.',
  [HttpStatus.BAD_GATEWAY]: 'The container runtime refused the operation.',
};

/** Documents error responses, all with the one error body. */
export function ApiErrors(...statuses: HttpStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, type: ErrorBodyDto, description: DESCRIPTIONS[status] ?? 'Error.' })),
  );
}
