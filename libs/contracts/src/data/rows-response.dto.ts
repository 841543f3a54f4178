import { ApiProperty } from '@nestjs/swagger';
import { Row } from '../validation/sql-value';

/** Rows produced by a statement or a rows read. */
export class RowsResponseDto {
  /** The rows, each an object of column name to value (BLOBs as base64 strings). */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, example: [{ id: 1, name: 'Ada', age: 36 }] })
  data!: Row[];

  /**
   * For reads, the number of rows returned; for a write with RETURNING, the number of rows it changed.
   * @example 1
   */
  rows_affected!: number;

  /** For a write with RETURNING: rowid of the last inserted row. */
  last_insert_id?: number;

  /** Present and true when the result had more rows than DBFORGE_MAX_RESULT_ROWS: `data` holds the first ones. */
  truncated?: boolean;

  /** When truncated: how to get the rest (LIMIT/OFFSET, or a WHERE on the last key seen). */
  message?: string;

  /** Rows reads: whether more rows match after this page (continue with `_after=next_cursor`). Always present when `_limit`, `_offset`, `_after` or `_count` is given; otherwise only when true. */
  more?: boolean;

  /** Rows reads with `more`: an opaque cursor; pass it as `_after` to get the next page (keyset paging, stable under inserts and deletes). */
  next_cursor?: string;

  /** Rows reads with `_count=true`: how many rows match the filters, whatever `_limit`, `_offset` and `_after`. */
  matched?: number;
}
