import { Injectable, StreamableFile } from '@nestjs/common';
import { ErrorBodyDto, ErrorCode } from '@dbforge/contracts';
import type { Response } from 'express';
import { DomainError } from '../../common/domain.error';
import { statusOf } from '../../common/error-status';
import { PoolLease } from '../pool/connection-pool.service';
import { translateSqliteError } from '../sql-error.translator';
import { RowCursor, SqliteConnection } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { CsvEncoder, NdjsonEncoder, RowEncoder } from './ndjson-csv.encoders';
import { RowFormat, STREAM_CONTENT_TYPES } from './accept-format';
import { nextBatch, cursorReadable } from './cursor-readable';

export type StreamFormat = Exclude<RowFormat, 'json'>;

/** Streams the rows of a read as NDJSON or CSV, on a reader held for as long as the client reads. */
@Injectable()
export class StreamedReads {
  constructor(private readonly events: SqlWorkEvents) {}

  /**
   * Opens a cursor (`sql` names it in metrics and the slow log) and reads the first batch before answering, so that a statement failing at once
   * still gets its normal error response and status; after that the status is sent and a failure
   * can only cut the stream (NDJSON: a last `{"error": ...}` line, then the connection is closed
   * without completing the response, which HTTP clients report as a truncated transfer).
   */
  async open(database: string, lease: PoolLease, sql: string, openCursor: (connection: SqliteConnection) => RowCursor, format: StreamFormat): Promise<StreamableFile> {
    let finished!: (outcome: { rows: number; error: Error | null }) => void;
    const outcome = new Promise<{ rows: number; error: Error | null }>((resolve) => (finished = resolve));
    void this.events
      .measure(
        { database, kind: 'read', sql },
        () => outcome.then((result) => (result.error ? Promise.reject(result.error) : result.rows)),
        (rows) => ({ rowsRead: rows }),
      )
      .catch(() => undefined);
    let cursor;
    try {
      cursor = await lease.pool.cursor(openCursor);
    } catch (error) {
      lease.release();
      finished({ rows: 0, error: error as Error });
      throw translateSqliteError(error);
    }
    try {
      const first = await nextBatch(cursor);
      const body = cursorReadable(cursor, first, this.encoder(format), (rows, error) => {
        lease.release();
        finished({ rows, error });
      });
      cursor.onAbort((reason) => body.destroy(reason)); // a prune or restore ends the stream now, even if its client reads no more
      return new StreamableFile(body, { type: STREAM_CONTENT_TYPES[format] }).setErrorHandler((error, response) => this.cut(error, response as unknown as Response, format));
    } catch (error) {
      await cursor.close();
      lease.release();
      finished({ rows: 0, error: error as Error });
      throw translateSqliteError(error);
    }
  }

  private encoder(format: StreamFormat): RowEncoder {
    return format === 'ndjson' ? new NdjsonEncoder() : new CsvEncoder();
  }

  private cut(error: Error, response: Response, format: StreamFormat): void {
    if (response.destroyed) return;
    const translated = translateSqliteError(error);
    const code = translated instanceof DomainError ? translated.code : ErrorCode.INTERNAL_ERROR;
    const message = translated instanceof DomainError ? translated.message : 'Internal server error.';
    const status = statusOf(code);
    const body: ErrorBodyDto = { detail: message, error: { code, message, status } };
    if (!response.headersSent) {
      response.status(status).json(body);
      return;
    }
    const close = () => response.destroy();
    if (format === 'ndjson') response.write(`${JSON.stringify({ error: body.error })}\n`, close);
    else close();
  }
}
