import { Row, SqlValue } from '@dbforge/contracts';
import { encodeRows } from '../json-rows';
import { SqliteRow } from '../../sqlite/sqlite.port';

/** Turns batches of rows into the text of a streamed response; values as in JSON responses (BLOBs base64). */
export interface RowEncoder {
  encode(rows: SqliteRow[]): string;
}

/** One JSON object per line, the same objects as a JSON response's `data`. */
export class NdjsonEncoder implements RowEncoder {
  encode(rows: SqliteRow[]): string {
    let text = '';
    for (const row of encodeRows(rows)) text += `${JSON.stringify(row)}\n`;
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
    const columns = this.columns;
    for (const row of encodeRows(rows) as Row[]) text += `${columns.map((column) => CsvEncoder.value(row[column])).join(',')}\r\n`;
    return text;
  }

  private static value(value: SqlValue | undefined): string {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value === '' ? '""' : CsvEncoder.field(value);
    return String(value);
  }

  private static field(text: string): string {
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}
