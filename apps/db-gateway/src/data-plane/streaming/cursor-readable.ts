import { ErrorCode } from '@dbforge/contracts';
import { Readable } from 'node:stream';
import { DomainError } from '../../common/domain.error';
import { SqliteRow } from '../../sqlite/sqlite.port';
import { RowEncoder } from './ndjson-csv.encoders';

/** Where a stream's rows come from: a cursor on a leased reader (see DatabasePool.cursor). */
export interface RowSource {
  next(maxRows: number, maxBytes: number): Promise<SqliteRow[]>;
  close(): Promise<void>;
}

/** Rows fetched per step of a stream: big enough to amortize the trips, small enough to keep memory flat. */
export const STREAM_BATCH_ROWS = 512;
/** ...and about the most bytes of rows held at once (a batch stops early past it; large rows come fewer at a time). */
export const STREAM_BATCH_BYTES = 4 * 1024 * 1024;

/** Fetches the next batch; it ended the result when it came back empty. */
export function nextBatch(source: RowSource): Promise<SqliteRow[]> {
  return source.next(STREAM_BATCH_ROWS, STREAM_BATCH_BYTES);
}

/**
 * A byte stream of encoded rows that asks its source for the next batch only when its reader wants
 * more (Readable's back-pressure), so a slow client slows the statement instead of filling memory.
 * `first` is the batch already read (so that an error on the first rows could still be a normal
 * error response). The source is closed when the stream ends, fails or is destroyed (a client that
 * hangs up), and `onClose` reports how many rows went out.
 */
export function cursorReadable(source: RowSource, first: SqliteRow[], encoder: RowEncoder, onClose: (rows: number, error: Error | null) => void): Readable {
  let pending: SqliteRow[] | undefined = first;
  let sent = 0;
  return new Readable({
    highWaterMark: 64 * 1024,
    read() {
      const batch = pending ? Promise.resolve(pending) : nextBatch(source);
      pending = undefined;
      batch.then(
        (rows) => {
          if (rows.length === 0) {
            this.push(null);
            return;
          }
          let text: string;
          try {
            text = encoder.encode(rows);
          } catch (error) {
            // A row whose text passes what a JavaScript string can hold (about 512 MB).
            this.destroy(error instanceof RangeError ? new DomainError(ErrorCode.RESULT_TOO_LARGE, 'A row is too large to send.') : (error as Error));
            return;
          }
          sent += rows.length;
          this.push(text);
        },
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      source.close().then(
        () => {
          onClose(sent, error);
          callback(error);
        },
        (closeError: Error) => {
          onClose(sent, error ?? closeError);
          callback(error ?? closeError);
        },
      );
    },
  });
}
