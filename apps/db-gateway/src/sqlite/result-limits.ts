import { SqliteRow } from './sqlite-values';

/** How much of a result one JSON response may carry. */
export interface ResultLimits {
  /** DBFORGE_MAX_RESULT_ROWS */
  maxRows: number;
  /** DBFORGE_MAX_RESULT_BYTES: about the size of the rows in JSON (a JSON text cannot grow past ~512 MB in V8). */
  maxBytes: number;
}

/** The result limits of the configuration. */
export function resultLimitsOf(config: { maxResultRows: number; maxResultBytes: number }): ResultLimits {
  return { maxRows: config.maxResultRows, maxBytes: config.maxResultBytes };
}

/** About the size of a row in JSON: text by its length, BLOBs as base64, numbers at their longest. */
export function jsonSizeOf(row: SqliteRow): number {
  let size = 2;
  for (const key in row) {
    const value = row[key];
    size += key.length + 4;
    if (typeof value === 'string') size += value.length + 2;
    else if (Buffer.isBuffer(value)) size += Math.ceil(value.length / 3) * 4 + 2;
    else size += 24;
  }
  return size;
}

/**
 * How many leading rows fit in `limits`. A reader keeps rows while this is the whole of them, so it
 * holds at most one row past the limits: the sign that there were more.
 */
export function rowsWithin(rows: SqliteRow[], limits: ResultLimits): number {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += jsonSizeOf(rows[i]);
    if (i >= limits.maxRows || bytes > limits.maxBytes) return i;
  }
  return rows.length;
}
