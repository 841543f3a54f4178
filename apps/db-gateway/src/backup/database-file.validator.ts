import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { OneOffConnections } from '../sqlite/one-off-connections';
import { SqliteConnection } from '../sqlite/sqlite.port';
import { checkStatementExtent } from '../data-plane/statements/statement-extent';
import { checkStatementPolicy } from '../data-plane/statements/refused-statements';
import { scanSql } from '../data-plane/statements/sql-scanner';
import { SQLITE_HEADER_BYTES, SqliteHeader, checkSqliteHeader } from './sqlite-header';
import { dumpStatements } from './sql-dump-statements';

/** The header and the start of page 1's b-tree header. */
const HEADER_READ_BYTES = SQLITE_HEADER_BYTES + 8;
const REPORTED_PROBLEMS = 5;

const invalid = (message: string) => new DomainError(ErrorCode.RESTORE_INVALID, message);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a validated file holds. */
export interface ValidatedFile {
  sizeBytes: number;
}

/**
 * Decides whether a file may become a database: the SQLite header (sqlite-header.ts), a read-only
 * open through the driver port, `PRAGMA integrity_check` = ok, an empty `PRAGMA foreign_key_check`
 * and a write probe that is rolled back. Builds a database from an SQL dump the same guarded way (a
 * driver connection: no ATTACH, no extensions, the statement policy on every statement). Every
 * refusal is RESTORE_INVALID with the reason.
 */
@Injectable()
export class DatabaseFileValidator {
  constructor(
    private readonly connections: OneOffConnections,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * Validates `file` in place: header, integrity_check, foreign_key_check, then a write probe.
   * Leaves the content as it was; the file ends in WAL mode without a -wal, as the pool opens it.
   */
  async validateFile(file: string, what = 'The upload'): Promise<ValidatedFile> {
    const header = await this.checkHeader(file, what);
    let connection: SqliteConnection | undefined;
    try {
      connection = await this.connections.open(file, { busyTimeoutMs: 0, maxValueBytes: this.config.maxValueBytes });
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
    await this.probeWrites(file, what, header.pageSize);
    return { sizeBytes: header.pageSize * header.pageCount };
  }

  /** Replays the dump `dump` into the new database file `target`, then validates it. */
  async buildFromDump(dump: string, target: string): Promise<ValidatedFile> {
    const connection = await this.connections.open(target, {
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

  /** The header checks (sqlite-header.ts) against the file's size. Returns the header. */
  private async checkHeader(file: string, what: string): Promise<SqliteHeader> {
    const { size } = await stat(file);
    const handle = await open(file, 'r+');
    try {
      const bytes = Buffer.alloc(HEADER_READ_BYTES);
      const { bytesRead } = await handle.read(bytes, 0, HEADER_READ_BYTES, 0);
      const { header, problem } = checkSqliteHeader(bytes.subarray(0, bytesRead), size);
      if (problem !== undefined) throw invalid(`${what} ${problem}.`);
      // The upload has no -wal, so everything is in the file: mark it rollback mode so that a
      // read-only open needs no -wal/-shm; the pool turns WAL back on when it opens it.
      if (header.walMode) await handle.write(Buffer.from([1, 1]), 0, 2, 18);
      return header;
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes to the file the way a first query would, inside a transaction that is rolled back: a
   * table created, a row spilling over several pages inserted and deleted, the table dropped. Pages
   * come from the freelist or the end of the file, and go back to the freelist, so a file that reads
   * fine but would fail every write ("database disk image is malformed") is refused before the swap.
   * The content is unchanged afterwards; the open marks the file WAL, as the pool would.
   */
  private async probeWrites(file: string, what: string, pageSize: number): Promise<void> {
    const table = `"dbforge_write_probe_${randomBytes(8).toString('hex')}"`;
    let connection: SqliteConnection | undefined;
    try {
      connection = await this.connections.open(file, { readOnly: false, busyTimeoutMs: 0, synchronous: 'NORMAL', maxValueBytes: this.config.maxValueBytes });
      await connection.exec('BEGIN IMMEDIATE');
      try {
        await connection.exec(`CREATE TABLE ${table} (v); INSERT INTO ${table} VALUES (zeroblob(${pageSize * 3})); DELETE FROM ${table}; DROP TABLE ${table}`);
      } finally {
        await connection.exec('ROLLBACK').catch(() => undefined);
      }
    } catch (error) {
      throw invalid(`${what} can be read but not written (a write probe failed: ${messageOf(error)}).`);
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
}
