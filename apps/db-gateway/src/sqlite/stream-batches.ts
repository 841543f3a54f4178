import type sqlite3 from 'sqlite3';
import type { SqliteRow } from './sqlite-values';

/**
 * The statement that steps a paused statement on by up to N rows in one trip to the thread pool, through
 * the SQLite guard's `dbforge_stream_batch` (native/stream-batch.c): `c<i>` is the paused statement's
 * column i, renamed to that column's name so that node-sqlite3 builds the same row objects as a `get`
 * on the statement itself (a repeated name, too, keeps the value of its last column).
 */
export function batchSelect(columns: string[]): string {
  return `SELECT ${columns.map((name, i) => `c${i} AS "${name.replace(/"/g, '""')}"`).join(', ')} FROM dbforge_stream_batch(?, ?, ?)`;
}

/** The text of the statement that asks for the column names of a paused statement (a BLOB of NUL-ended names, NULL when too many for a batch). */
export const COLUMNS_SELECT = 'SELECT dbforge_stream_columns(?) AS names';

/** The column names out of `dbforge_stream_columns`'s answer; undefined when a batch cannot hold them. */
export function columnNames(row: SqliteRow | undefined): string[] | undefined {
  const names = row?.names;
  if (!Buffer.isBuffer(names) || names.length === 0) return undefined;
  return names.toString('utf8').split('\0').slice(0, -1);
}

export function getRow(statement: sqlite3.Statement, bindings?: unknown): Promise<SqliteRow | undefined> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, row?: SqliteRow) => (error ? reject(error) : resolve(row));
    if (bindings === undefined) statement.get(done);
    else statement.get(bindings, done);
  });
}

export function allRows(statement: sqlite3.Statement, bindings: unknown[]): Promise<SqliteRow[]> {
  return new Promise((resolve, reject) => statement.all(bindings, (error: Error | null, rows: SqliteRow[]) => (error ? reject(error) : resolve(rows))));
}

/**
 * The batch statement for a table result: `c<i>` named by its position, so that node-sqlite3's row
 * objects keep every column (repeated names included) and `positional` reads them back in order.
 */
export function positionalBatchSelect(count: number): string {
  return `SELECT ${Array.from({ length: count }, (_, i) => `c${i} AS "${i}"`).join(', ')} FROM dbforge_stream_batch(?, ?, ?)`;
}

/** A row of `positionalBatchSelect` as its values in column order. */
export function positional(row: SqliteRow, count: number): SqliteRow[string][] {
  const values = new Array<SqliteRow[string]>(count);
  for (let i = 0; i < count; i++) values[i] = row[i];
  return values;
}

/** The statement that asks for a statement's result columns without running it (native/stream-batch.c). */
export const STATEMENT_COLUMNS_SELECT = 'SELECT dbforge_columns(?) AS columns';

/** The columns out of `dbforge_columns`'s answer: name and declared type pairs, NUL-ended. */
export function statementColumns(row: SqliteRow | undefined): { name: string; decltype: string | null }[] {
  const blob = row?.columns;
  if (!Buffer.isBuffer(blob) || blob.length === 0) return [];
  const parts = blob.toString('utf8').split('\0').slice(0, -1);
  const columns: { name: string; decltype: string | null }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) columns.push({ name: parts[i], decltype: parts[i + 1] === '' ? null : parts[i + 1] });
  return columns;
}
