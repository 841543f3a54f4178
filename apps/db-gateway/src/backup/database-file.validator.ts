import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { open, stat } from 'node:fs/promises';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { SqliteConnection, SqliteDriver } from '../data-plane/sqlite/sqlite.port';
import { checkStatementExtent } from '../data-plane/statements/statement-extent';
import { checkStatementPolicy } from '../data-plane/statements/statement-policy';
import { scanSql } from '../data-plane/statements/sql-scanner';
import { dumpStatements } from './sql-dump-statements';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;
const REPORTED_PROBLEMS = 5;

const invalid = (message: string) => new DomainError(ErrorCode.RESTORE_INVALID, message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a validated file holds. */
export interface ValidatedFile {
  sizeBytes: number;
}

/**
 * Decides whether a file may become a database: the SQLite header, a read-only open through the
 * driver port, `PRAGMA integrity_check` = ok and an empty `PRAGMA foreign_key_check`. Builds a
 * database from an SQL dump the same guarded way (a driver connection: no ATTACH, no extensions,
 * the statement policy on every statement). Every refusal is RESTORE_INVALID with the reason.
 */
@Injectable()
export class DatabaseFileValidator {
  constructor(
    private readonly driver: SqliteDriver,
    private readonly config: GatewayConfig,
  ) {}

  /** Validates `file` in place; may rewrite its journal-mode header bytes (WAL -> rollback) so that it opens without a -wal. */
  async validateFile(file: string, what = 'The upload'): Promise<ValidatedFile> {
    const sizeBytes = await this.checkHeader(file, what);
    let connection: SqliteConnection | undefined;
    try {
      connection = await this.driver.open(file, { readOnly: true, busyTimeoutMs: 0, synchronous: this.config.synchronous, maxValueBytes: this.config.maxValueBytes });
      const integrity = (await connection.all(`PRAGMA integrity_check(${REPORTED_PROBLEMS})`)).map((row) => String(Object.values(row)[0]));
      if (integrity.length !== 1 || integrity[0] !== 'ok') {
        const problems = integrity.map((line) => line.replace(/\*\*\* in database \w+ \*\*\*/, '').replace(/\s+/g, ' ').trim());
        throw invalid(`${what} failed integrity_check: ${problems.join('; ')}`);
      }
      const violations = await connection.all('PRAGMA foreign_key_check', [], { maxRows: REPORTED_PROBLEMS, maxBytes: 1 << 20 });
      if (violations.length > 0) {
        const shown = violations.map((row) => `${String(row.table)} rowid ${String(row.rowid)} -> ${String(row.parent)}`).join('; ');
        throw invalid(`${what} failed foreign_key_check: ${shown}`);
      }
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw invalid(`${what} is not a usable SQLite database: ${messageOf(error)}`);
    } finally {
      await connection?.close().catch(() => undefined);
    }
    return { sizeBytes };
  }

  /** Replays the dump `dump` into the new database file `target`, then validates it. */
  async buildFromDump(dump: string, target: string): Promise<ValidatedFile> {
    const connection = await this.driver.open(target, {
      readOnly: false,
      create: true,
      busyTimeoutMs: 0,
      synchronous: 'NORMAL',
      maxValueBytes: this.config.maxValueBytes,
    });
    try {
      // Dumps insert children before parents; foreign_key_check below checks the result instead.
      await connection.exec('PRAGMA foreign_keys=OFF; BEGIN');
      let index = 0;
      for await (const statement of dumpStatements(dump)) {
        index++;
        await this.replay(connection, statement, index);
      }
      if (index === 0) throw invalid('The SQL dump holds no statements.');
      await connection.exec('COMMIT');
    } finally {
      await connection.close().catch(() => undefined);
    }
    return this.validateFile(target, 'The database built from the SQL dump');
  }

  /** One dump statement: transaction control is the replay's own business, the policy refuses anything reaching outside. */
  private async replay(connection: SqliteConnection, statement: string, index: number): Promise<void> {
    if (statement.includes('\0')) throw invalid(`The SQL dump is refused at statement ${index}: it contains a NUL character, where SQLite would stop reading.`);
    const scanned = scanSql(statement);
    const { tokens } = scanned;
    const [keyword, second] = tokens;
    if (['BEGIN', 'COMMIT', 'END'].includes(keyword)) return;
    if (keyword === 'PRAGMA' && second === 'FOREIGN_KEYS') return; // .dump's `PRAGMA foreign_keys=OFF`
    if (keyword === 'ROLLBACK' || keyword === 'SAVEPOINT' || keyword === 'RELEASE') {
      throw invalid(`The SQL dump is refused at statement ${index}: ${keyword} has no place in a dump.`);
    }
    try {
      checkStatementPolicy(tokens);
    } catch (error) {
      throw invalid(`The SQL dump is refused at statement ${index}: ${messageOf(error)}`);
    }
    const timeout = this.config.statementTimeoutMs > 0 ? setTimeout(() => connection.interrupt(), this.config.statementTimeoutMs) : undefined;
    try {
      // exec() runs every statement of a text: SQLite must agree that this one is a single statement.
      await checkStatementExtent(connection, statement.slice(0, scanned.end), scanned.firstKeyword);
      await connection.exec(statement);
    } catch (error) {
      throw invalid(`SQL error at statement ${index} of the dump: ${messageOf(error)} (in: ${statement.trim().slice(0, 120)})`);
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Header checks that need no SQLite: magic, page size, truncation. Returns the file size. */
  private async checkHeader(file: string, what: string): Promise<number> {
    const { size } = await stat(file);
    const handle = await open(file, 'r+');
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      await handle.read(header, 0, HEADER_BYTES, 0);
      if (size < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw invalid(`${what} is not a SQLite database (no "SQLite format 3" header; an encrypted database is not accepted either).`);
      }
      const raw = header.readUInt16BE(16);
      const pageSize = raw === 1 ? 65536 : raw;
      if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw invalid(`${what} has an invalid page size (${raw}) in its header.`);
      if (size % pageSize !== 0) throw invalid(`${what} is truncated: ${size} bytes is not a whole number of ${pageSize}-byte pages.`);
      const headerPages = header.readUInt32BE(28);
      const headerPagesValid = headerPages > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
      if (headerPagesValid && headerPages * pageSize > size) {
        throw invalid(`${what} is truncated: its header counts ${headerPages} pages, the file holds ${size / pageSize}.`);
      }
      // Bytes 18/19 = 2 mark WAL mode. The upload has no -wal, so everything is in the file: mark it
      // rollback mode so a read-only open needs no -wal/-shm; the pool turns WAL back on when it opens it.
      if (header[18] === 2 || header[19] === 2) await handle.write(Buffer.from([1, 1]), 0, 2, 18);
    } finally {
      await handle.close();
    }
    return size;
  }
}
