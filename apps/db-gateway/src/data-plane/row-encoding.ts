import { Row } from '@dbforge/contracts';
import { SqliteRow } from './sqlite/sqlite.port';

/** JSON-safe rows: BLOBs become base64 strings (JSON has no bytes). */
export function encodeRows(rows: SqliteRow[]): Row[] {
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (Buffer.isBuffer(value)) (row as Record<string, unknown>)[key] = value.toString('base64');
      else if (typeof value === 'bigint') (row as Record<string, unknown>)[key] = Number(value);
    }
  }
  return rows as Row[];
}

/**
 * The response for rows read with a cap of `maxRows` (the read kept up to maxRows + 1 to know):
 * cut to `maxRows` with a note on paging when there were more.
 */
export function cappedRows(rows: SqliteRow[], maxRows: number): { data: Row[]; rows_affected: number; truncated?: true; message?: string } {
  if (rows.length <= maxRows) return { data: encodeRows(rows), rows_affected: rows.length };
  const data = encodeRows(rows.slice(0, maxRows));
  return {
    data,
    rows_affected: data.length,
    truncated: true,
    message: `Only the first ${maxRows} rows are returned (DBFORGE_MAX_RESULT_ROWS). Page with LIMIT/OFFSET, or better WHERE <key> > <last key seen> ORDER BY <key> LIMIT n.`,
  };
}
