import { Injectable } from '@nestjs/common';
import { Listeners } from '../common/listeners';

/** One unit of SQL work done for a request. */
export interface SqlWorkEvent {
  database: string;
  kind: 'read' | 'write';
  /** The statement text (the convenience endpoints name their operation instead). Never parameters. */
  sql: string;
  durationMs: number;
  rowsRead: number;
  rowsWritten: number;
  failed: boolean;
}

/** Where the data plane reports its SQL work; metrics, Server-Timing and the slow-statement log listen. */
@Injectable()
export class SqlWorkEvents extends Listeners<SqlWorkEvent> {
  /** Runs `work`, then reports it (also when it fails) with the rows it read or wrote. */
  async measure<T>(
    base: Pick<SqlWorkEvent, 'database' | 'kind' | 'sql'>,
    work: () => Promise<T>,
    count: (result: T) => { rowsRead?: number; rowsWritten?: number },
  ): Promise<T> {
    const started = process.hrtime.bigint();
    let result: T | undefined;
    let failed = true;
    try {
      result = await work();
      failed = false;
      return result;
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rows = !failed && result !== undefined ? count(result) : {};
      const event: SqlWorkEvent = { ...base, durationMs, rowsRead: rows.rowsRead ?? 0, rowsWritten: rows.rowsWritten ?? 0, failed };
      this.publish(event);
    }
  }
}
