import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { quoteIdentifier } from './sql-identifiers';

/** A table or view of a database, as sqlite_schema lists it. */
export interface SchemaObject {
  name: string;
  type: 'table' | 'view';
}

/** Every table and view by name, SQLite's internal `sqlite_` ones left out. */
export async function schemaObjectsOf(connection: SqliteConnection): Promise<SchemaObject[]> {
  const rows = await connection.all("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  return rows.map((row) => ({ name: String(row.name), type: row.type === 'view' ? 'view' : 'table' }));
}

/** The table or view named `name`; a missing one fails as v1 did (`SQL Error: no such table: t`). */
export async function schemaObjectNamed(connection: SqliteConnection, name: string): Promise<SchemaObject> {
  const [row] = await connection.all("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?", [name]);
  if (!row) throw new DomainError(ErrorCode.TABLE_NOT_FOUND, `SQL Error: no such table: ${name}`);
  return { name: String(row.name), type: row.type === 'view' ? 'view' : 'table' };
}

/** The number of rows of a table (it reads the table). */
export async function rowCountOf(connection: SqliteConnection, table: string): Promise<number> {
  return Number((await connection.all(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`))[0].n);
}

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
