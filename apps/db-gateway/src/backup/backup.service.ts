import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { ExportFormat } from '@dbforge/contracts';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { compactTimestamp } from '../common/compact-timestamp';
import { SqliteError } from '../sqlite/sqlite.port';
import { translateSqliteError } from '../data-plane/sql-error.translator';
import { DatabaseReader } from './database-reader';
import { sqlDump } from './sql-dump';
import { TempFiles } from './temp-files';

/** A busy database is a 503 the caller may retry; any other SQLite failure of a copy is the gateway's own (500). */
export function busyAsDomainError(error: unknown): unknown {
  return error instanceof SqliteError && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') ? translateSqliteError(error) : error;
}

/** Downloads of a live database: a consistent SQLite copy, or an SQL dump. */
@Injectable()
export class BackupService {
  private readonly logger = new Logger(BackupService.name);

  constructor(
    private readonly reader: DatabaseReader,
    private readonly temp: TempFiles,
  ) {}

  /**
   * A consistent copy (`VACUUM INTO` a scratch file on a read snapshot, so writes go on), streamed.
   * The scratch file is unlinked as soon as it is open: the stream reads it through its descriptor
   * and the space is freed when the stream closes, finished or aborted, and nothing is left behind.
   */
  async backup(name: string): Promise<StreamableFile> {
    const started = Date.now();
    const file = await this.temp.path('backup');
    try {
      await this.reader.copy(name, file).catch((error: unknown) => Promise.reject(busyAsDomainError(error)));
      const handle = await open(file, 'r');
      const { size } = await handle.stat();
      await this.temp.remove(file);
      this.logger.log(`Backup of '${name}' taken: ${size} bytes in ${Date.now() - started} ms.`);
      return new StreamableFile(createReadStream('', { fd: handle, autoClose: true }), {
        type: 'application/vnd.sqlite3',
        disposition: `attachment; filename="${name}-${compactTimestamp(new Date(started))}.db"`,
        length: size,
      });
    } catch (error) {
      await this.temp.remove(file);
      throw error;
    }
  }

  /**
   * An SQL script that recreates the database, written while it is read: one read transaction on a
   * connection of its own (one snapshot), rows in batches, the next batch read only when the client
   * has taken the last (Readable.from pulls on demand). The connection closes when the stream ends or is destroyed.
   */
  async exportSql(name: string, format: ExportFormat = 'sql'): Promise<StreamableFile> {
    const started = Date.now();
    const connection = await this.reader.open(name);
    const dump = sqlDump(connection);
    let first: IteratorResult<string>;
    try {
      await connection.exec('BEGIN');
      // The first chunk comes after the schema is read (which starts the snapshot): a failure up to
      // here (busy) is still an error response, not a cut stream.
      first = await dump.next();
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw busyAsDomainError(error);
    }
    const logger = this.logger;
    async function* chunks(): AsyncGenerator<string> {
      let bytes = 0;
      try {
        for (let next = first; !next.done; next = await dump.next()) {
          bytes += Buffer.byteLength(next.value);
          yield next.value;
        }
        logger.log(`Export (${format}) of '${name}' written: ${bytes} bytes in ${Date.now() - started} ms.`);
      } finally {
        await dump.return(undefined).catch(() => undefined);
        await connection.exec('ROLLBACK').catch(() => undefined);
        await connection.close().catch(() => undefined);
      }
    }
    return new StreamableFile(Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 }), {
      type: 'application/sql; charset=utf-8',
      disposition: `attachment; filename="${name}-${compactTimestamp(new Date(started))}.sql"`,
    });
  }
}
