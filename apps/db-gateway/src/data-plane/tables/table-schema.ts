import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { SqliteConnection } from '../sqlite/sqlite.port';

/** The real column names of `table`, read from SQLite; a missing table fails as v1 did (`SQL Error: no such table: t`). */
export async function columnsOf(connection: SqliteConnection, table: string): Promise<Set<string>> {
  const rows = await connection.all('SELECT name FROM pragma_table_info(?)', [table]);
  if (rows.length === 0) {
    throw new DomainError(ErrorCode.TABLE_NOT_FOUND, `SQL Error: no such table: ${table}`);
  }
  return new Set(rows.map((row) => String(row.name)));
}

/** Fails with `UNKNOWN_COLUMN` naming the first of `names` that is not a column. */
export function requireColumns(columns: Set<string>, names: Iterable<string>, table: string): void {
  for (const name of names) {
    if (!columns.has(name)) {
      throw new DomainError(ErrorCode.UNKNOWN_COLUMN, `Unknown column '${name}' in table '${table}'.`);
    }
  }
}
