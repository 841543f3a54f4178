import { ErrorCode } from '@dbforge/contracts';

/**
 * The one error type services throw. It carries a contract error code; the exception filter
 * maps the code to an HTTP status, so services never speak HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Response headers that belong to the error, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static databaseNotFound(): DomainError {
    return new DomainError(ErrorCode.DATABASE_NOT_FOUND, 'Database not found.');
  }
}
