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
