import { ErrorCode, Row } from '@dbforge/contracts';
import { DomainError } from '../common/domain.error';
import { ResultLimits, rowsWithin } from '../sqlite/result-limits';
import { SqliteRow } from '../sqlite/sqlite.port';

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
 * The response for rows read within `limits` (the read kept one row more to know): cut to the rows
 * that fit, with a note on paging when there were more. A first row too large on its own is a 400
 * for a read; a write (RETURNING) has already happened, so it answers with no rows and the note.
 */
export function cappedRows(
  rows: SqliteRow[],
  limits: ResultLimits,
  kind: 'read' | 'write' = 'read',
): { data: Row[]; rows_affected: number; truncated?: true; message?: string } {
  const fit = rowsWithin(rows, limits);
  if (fit === rows.length) return { data: encodeRows(rows), rows_affected: rows.length };
  if (fit === 0 && kind === 'read') {
    throw new DomainError(
      ErrorCode.RESULT_TOO_LARGE,
      `The first row alone is larger than DBFORGE_MAX_RESULT_BYTES (${limits.maxBytes} bytes): select fewer or shorter columns (substr(), length()).`,
    );
  }
  const data = encodeRows(rows.slice(0, fit));
  return { data, rows_affected: data.length, truncated: true, message: truncationNote(data.length, limits) };
}

/** What a cut response says: which limit cut it and how to get the rest. */
export function truncationNote(returned: number, limits: ResultLimits): string {
  const limit = returned < limits.maxRows ? `${returned} rows that fit in DBFORGE_MAX_RESULT_BYTES (${limits.maxBytes} bytes)` : `first ${limits.maxRows} rows (DBFORGE_MAX_RESULT_ROWS)`;
  return `Only the ${limit} are returned. Page with LIMIT/OFFSET, or better WHERE <key> > <last key seen> ORDER BY <key> LIMIT n; or stream the rows with Accept: application/x-ndjson.`;
}
