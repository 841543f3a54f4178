import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../common/domain.error';
import { FILE_MISSING, SqliteError } from '../sqlite/sqlite.port';

/** Maps SQLite's errors to domain errors; v1 clients read `SQL Error: <sqlite's message>`. */
export function translateSqliteError(error: unknown): unknown {
  if (!(error instanceof SqliteError)) return error;
  if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') {
    return new DomainError(ErrorCode.DATABASE_BUSY, `Database is busy; try again. (${error.message})`, { 'Retry-After': '1' });
  }
  if (error.code === FILE_MISSING) {
    return DomainError.databaseFileMissing();
  }
  if (error.code === 'SQLITE_AUTH') {
    // The SQLite guard refused what the statement would do (the temp schema, ATTACH, a host-revealing pragma...).
    return new DomainError(ErrorCode.STATEMENT_NOT_ALLOWED, `SQL Error: ${error.message}: the statement does something a database here may not (the temp schema, ATTACH, load_extension() or a host-revealing pragma).`);
  }
  if (error.code === 'SQLITE_INTERRUPT') {
    return new DomainError(ErrorCode.STATEMENT_TIMEOUT, `Statement timeout: ${error.message}`);
  }
  const code = error.code === 'SQLITE_CONSTRAINT' ? ErrorCode.CONSTRAINT_VIOLATION : ErrorCode.SQL_ERROR;
  return new DomainError(code, `SQL Error: ${error.message}`);
}

/** Runs `operation`, translating a SQLite error on the way out. */
export async function withSqlErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
