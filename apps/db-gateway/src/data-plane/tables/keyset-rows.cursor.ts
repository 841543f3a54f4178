import { jsonSizeOf } from '../../sqlite/result-limits';
import { RowCursor, SqliteConnection, SqliteRow } from '../../sqlite/sqlite.port';
import { RowsQuery, TableShape } from './rows-query';
import { buildRowsSelect, pageOf } from './rows-sql';

/**
 * The rows of a table read page after page with the keyset cursor of the rows API (`_after`), each page
 * one `all()`: one thread-pool trip per page rather than one per row, so a table streams about as fast
 * as SQLite reads it. The pages share one read transaction, so together they are one consistent
 * snapshot, as a single statement would be. Needs a row key (`TableShape.rowKey`); views use a plain cursor.
 */
export class KeysetRowsCursor extends RowCursor {
  private begun = false;
  private done = false;
  private after?: string;
  private remaining: number;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly table: TableShape,
    private readonly query: RowsQuery,
  ) {
    super();
    this.remaining = query.limit ?? Number.POSITIVE_INFINITY;
  }

  async next(maxRows: number, maxBytes: number): Promise<SqliteRow[]> {
    if (this.done) return [];
    if (!this.begun) {
      await this.connection.exec('BEGIN');
      this.begun = true;
    }
    const take = Math.min(maxRows, this.remaining);
    // The first page starts where the request said (_offset or _after); the next ones after the last row seen.
    const page: RowsQuery = this.after === undefined ? { ...this.query, limit: take } : { ...this.query, limit: take, offset: undefined, after: this.after };
    const select = buildRowsSelect(this.table, page, take);
    const fetched = await this.connection.all(select.sql, select.bindings, { maxRows: take, maxBytes });
    // A batch always carries at least one row, however large: the byte budget only bounds how many.
    const { rows, more, nextCursor } = pageOf(select, this.table, page, fetched, fetched.length > 0 ? Math.max(maxBytes, jsonSizeOf(fetched[0])) : maxBytes);
    this.remaining -= rows.length;
    if (!more || this.remaining <= 0 || nextCursor === undefined) this.done = true;
    else this.after = nextCursor;
    return rows;
  }

  async close(): Promise<void> {
    this.done = true;
    if (!this.begun) return;
    this.begun = false;
    await this.connection.exec('ROLLBACK').catch(() => undefined);
  }
}
