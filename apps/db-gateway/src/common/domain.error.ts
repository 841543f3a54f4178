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

  /** The catalog has the database but its file is gone: nothing is created in its place. */
  static databaseFileMissing(): DomainError {
    return new DomainError(
      ErrorCode.DATABASE_FILE_MISSING,
      'The database file is missing: the gateway will not serve an empty database in its place. Restore the database (from an upload or a snapshot) or delete it.',
    );
  }
}
