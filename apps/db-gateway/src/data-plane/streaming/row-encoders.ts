import { SqliteRow, SqliteValue } from '../sqlite/sqlite.port';

/** Turns batches of rows into the text of a streamed response. */
export interface RowEncoder {
  encode(rows: SqliteRow[]): string;
}

/** JSON's own value for a SQLite value: BLOBs as base64 (as in JSON responses), big integers as numbers. */
function jsonValue(value: SqliteValue): string | number | null {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/** One JSON object per line, the same objects as a JSON response's `data`. */
export class NdjsonEncoder implements RowEncoder {
  encode(rows: SqliteRow[]): string {
    let text = '';
    for (const row of rows) {
      const line: Record<string, string | number | null> = {};
      for (const key in row) line[key] = jsonValue(row[key]);
      text += `${JSON.stringify(line)}\n`;
    }
    return text;
  }
}

/**
 * RFC 4180 CSV: a header line from the first row's columns, CRLF line ends, a field quoted when it holds
 * a comma, quote, CR or LF. NULL is an empty field and the empty string a quoted `""`, so the two stay
 * apart; BLOBs are base64.
 */
export class CsvEncoder implements RowEncoder {
  private columns?: string[];

  encode(rows: SqliteRow[]): string {
    if (rows.length === 0) return '';
    let text = '';
    if (!this.columns) {
      this.columns = Object.keys(rows[0]);
      text += `${this.columns.map((column) => CsvEncoder.field(column)).join(',')}\r\n`;
    }
    for (const row of rows) text += `${this.columns.map((column) => CsvEncoder.value(row[column])).join(',')}\r\n`;
    return text;
  }

  private static value(value: SqliteValue | undefined): string {
    if (value === null || value === undefined) return '';
    if (Buffer.isBuffer(value)) return value.toString('base64');
    if (typeof value === 'string') return value === '' ? '""' : CsvEncoder.field(value);
    return String(value);
  }

  private static field(text: string): string {
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}
