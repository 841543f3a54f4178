import { SqliteConnection } from '../sqlite/sqlite.port';

/** Rows fetched per query: memory stays flat however large a table is. */
export const DUMP_BATCH_ROWS = 500;

interface SchemaObject {
  type: 'table' | 'index' | 'trigger' | 'view';
  name: string;
  sql: string;
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The SQL literal of column `name`, computed by SQLite itself so it round-trips exactly: `quote()`
 * gives integers (all 64 bits), reals (15 digits, or 20 when 15 would not read back the same),
 * text with '' escaping, X'..' BLOBs and NULL. Text holding a NUL, which quote() would cut, is
 * written as the cast of its bytes instead.
 */
function literalOf(name: string): string {
  const column = quoteName(name);
  return `CASE WHEN typeof(${column}) = 'text' AND instr(CAST(${column} AS BLOB), X'00') > 0 THEN 'CAST(X''' || hex(${column}) || ''' AS TEXT)' ELSE quote(${column}) END`;
}

/** The columns an INSERT can set: generated columns (hidden 2 and 3) are computed, virtual-table hidden ones (1) skipped. */
async function insertableColumns(connection: SqliteConnection, table: string): Promise<string[]> {
  const columns = await connection.all(`SELECT name, hidden FROM pragma_table_xinfo(?)`, [table]);
  return columns.filter((column) => column.hidden === 0).map((column) => String(column.name));
}

/** A name that reads the rowid of `table`, or undefined for a WITHOUT ROWID table (or one whose columns shadow all three aliases). */
async function rowidAlias(connection: SqliteConnection, table: string): Promise<string | undefined> {
  const [listed] = await connection.all(`SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?`, [table]);
  if (!listed || listed.wr !== 0) return undefined;
  const names = new Set((await connection.all(`SELECT lower(name) AS name FROM pragma_table_xinfo(?)`, [table])).map((column) => String(column.name)));
  return ['_rowid_', 'rowid', 'oid'].find((alias) => !names.has(alias));
}

/** `INSERT` statements for every row of `table`, read in batches (by rowid when the table has one). */
async function* tableRows(connection: SqliteConnection, table: string): AsyncGenerator<string> {
  const columns = await insertableColumns(connection, table);
  if (columns.length === 0) return;
  const prefix = `INSERT INTO ${quoteName(table)}(${columns.map(quoteName).join(',')}) VALUES(`;
  const values = columns.map(literalOf).join(` || ',' || `);
  const rowid = await rowidAlias(connection, table);
  if (rowid) {
    // The key travels as text: rowids beyond 2^53 would lose digits as JS numbers.
    let after: string | null = null;
    for (;;) {
      const rows = await connection.all(
        `SELECT CAST(${rowid} AS TEXT) AS k, ${values} AS v FROM ${quoteName(table)} ${after === null ? '' : `WHERE ${rowid} > CAST(? AS INTEGER)`} ORDER BY ${rowid} LIMIT ${DUMP_BATCH_ROWS}`,
        after === null ? [] : [after],
      );
      if (rows.length === 0) return;
      yield rows.map((row) => `${prefix}${String(row.v)});\n`).join('');
      if (rows.length < DUMP_BATCH_ROWS) return;
      after = String(rows[rows.length - 1].k);
    }
  }
  yield* rowsByOffset(connection, table, prefix, values, 0);
}

/** The rows from `offset` on, by LIMIT/OFFSET (WITHOUT ROWID tables, in primary-key order). */
async function* rowsByOffset(connection: SqliteConnection, table: string, prefix: string, values: string, offset: number, orderBy?: string): AsyncGenerator<string> {
  for (let skip = offset; ; skip += DUMP_BATCH_ROWS) {
    const rows = await connection.all(`SELECT ${values} AS v FROM ${quoteName(table)} ${orderBy ? `ORDER BY ${orderBy}` : ''} LIMIT ${DUMP_BATCH_ROWS} OFFSET ${skip}`);
    if (rows.length === 0) return;
    yield rows.map((row) => `${prefix}${String(row.v)});\n`).join('');
    if (rows.length < DUMP_BATCH_ROWS) return;
  }
}

/**
 * A script that recreates the database, as chunks of text: tables with their rows, `sqlite_sequence`,
 * then indexes, then views and triggers in creation order (a trigger may be on a view). The caller
 * holds one read transaction on `connection` around the whole iteration, so the dump is one snapshot.
 */
export async function* sqlDump(connection: SqliteConnection): AsyncGenerator<string> {
  const objects = (await connection.all(
    `SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid`,
  )) as unknown as SchemaObject[];
  yield 'PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n';
  for (const table of objects.filter((object) => object.type === 'table')) {
    yield `${table.sql};\n`;
    if (/^CREATE\s+VIRTUAL\s+TABLE/i.test(table.sql)) continue; // its content lives in its shadow tables
    yield* tableRows(connection, table.name);
  }
  const sequence = await connection.all(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'`);
  if (sequence.length > 0) {
    yield 'DELETE FROM sqlite_sequence;\n';
    yield* rowsByOffset(connection, 'sqlite_sequence', `INSERT INTO sqlite_sequence(name,seq) VALUES(`, `${literalOf('name')} || ',' || ${literalOf('seq')}`, 0, 'rowid');
  }
  for (const index of objects.filter((object) => object.type === 'index')) yield `${index.sql};\n`;
  for (const object of objects.filter((object) => object.type === 'view' || object.type === 'trigger')) yield `${object.sql};\n`;
  yield 'COMMIT;\n';
}
