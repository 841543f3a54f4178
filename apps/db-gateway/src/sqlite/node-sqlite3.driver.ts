import { Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import sqlite3 from 'sqlite3';
import { ResultLimits, jsonSizeOf } from './result-limits';
import { FILE_MISSING, OpenOptions, RowCursor, RunResult, SqliteBindings, SqliteConnection, SqliteDriver, SqliteError, SqliteRow, TabularResult } from './sqlite.port';
import { findSqliteGuard } from './sqlite-guard';
import { COLUMNS_SELECT, STATEMENT_COLUMNS_SELECT, allRows, batchSelect, columnNames, getRow, positional, positionalBatchSelect, statementColumns } from './stream-batches';

/** node-sqlite3 reports `SQLITE_ERROR: no such table: x`; keep SQLite's own words. */
// Duck-typed: the addon's errors may come from another realm (Jest's VM), where `instanceof Error` fails.
function translate(error: unknown): SqliteError {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return new SqliteError('SQLITE_ERROR', String(error));
  return new SqliteError(typeof code === 'string' ? code : 'SQLITE_ERROR', message.replace(/^SQLITE_[A-Z_]+: /, ''));
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
  );

const STATEMENT_CACHE_SIZE = 128;

function finalizeOneShot(statement: sqlite3.Statement): void {
  if ((statement as sqlite3.Statement & { oneShot?: boolean }).oneShot) statement.finalize();
}

/**
 * One connection. Statements are prepared once per text and kept (up to 128, least recently used
 * finalized first): `db.all(sql)` would prepare, step and finalize in three trips to the thread pool,
 * a cached statement steps in one. A connection runs one task at a time (the pool sees to that), so
 * a cached statement is never used twice at once.
 */
class NodeSqlite3Connection extends SqliteConnection {
  private readonly statements = new Map<string, sqlite3.Statement>();

  constructor(private readonly db: sqlite3.Database) {
    super();
  }

  async all(sql: string, bindings: SqliteBindings = [], limits?: ResultLimits): Promise<SqliteRow[]> {
    const statement = await this.prepared(sql);
    if (limits === undefined) {
      return new Promise((resolve, reject) =>
        statement.all(bindings, (error: Error | null, rows: SqliteRow[]) => {
          finalizeOneShot(statement);
          if (error) reject(translate(error));
          else resolve(rows);
        }),
      );
    }
    // Row by row, keeping rows while they fit in the limits, plus one. node-sqlite3 steps on its own
    // thread and queues rows without back-pressure, so once enough rows are in, the statement is
    // interrupted rather than left to fill memory with rows nobody will read.
    const rows: SqliteRow[] = [];
    let bytes = 0;
    let failure: Error | null = null; // node-sqlite3 reports a failure mid-way to the row callback
    let cut = false;
    return new Promise((resolve, reject) =>
      statement.each(
        bindings,
        (error: Error | null, row: SqliteRow) => {
          if (error) failure ??= error;
          else if (!cut) {
            rows.push(row);
            bytes += jsonSizeOf(row);
          }
          if ((rows.length > limits.maxRows || bytes > limits.maxBytes) && !cut) {
            cut = true;
            this.db.interrupt();
          }
        },
        (error: Error | null) => {
          // node-sqlite3 may call this before it hands a failure to the row callback (the two are
          // delivered from different loop callbacks). A reset queued on the statement runs only
          // after the `each` has fully finished, so its callback sees the failure if there was one.
          statement.reset(() => {
            finalizeOneShot(statement);
            const cause = error ?? failure;
            const ownInterrupt = cut && (cause as { code?: string } | null)?.code === 'SQLITE_INTERRUPT';
            if (cause && !ownInterrupt) reject(translate(cause));
            else resolve(rows);
          });
        },
      ),
    );
  }

  /**
   * The columns come from compiling the statement alone (`dbforge_columns`, nothing runs). A statement
   * without columns simply runs. Otherwise its first row comes from `get()` (which binds and steps
   * it) and is read again, positionally, from the statement paused on it (`dbforge_stream_batch`
   * with max_rows 0); the next rows a batch per trip, positionally too, within the limits plus one.
   * For a point read: four trips; each further 1,000 rows one more. When the column names are
   * distinct and none looks like an array index, the rows of a plain `all()` keep everything: two trips.
   */
  async tabular(sql: string, bindings: SqliteBindings = [], limits?: ResultLimits): Promise<TabularResult> {
    const columns = await this.columnsOf(sql);
    if (columns.length === 0) {
      await this.run(sql, bindings);
      return { columns, rows: [] };
    }
    const count = columns.length;
    const names = columns.map((column) => column.name);
    if (new Set(names).size === count && !names.some((name) => INTEGER_LIKE.test(name))) {
      // Row objects lose nothing when the names are distinct and none is an array index (which JavaScript would put first): one trip.
      const rows = await this.all(sql, bindings, limits);
      return { columns, rows: rows.map((row) => names.map((name) => row[name])) };
    }
    const statement = await this.prepared(sql);
    const rows: TabularResult['rows'] = [];
    try {
      statement.reset(); // a cached statement an `all()` ran to its end must start afresh (see NodeSqlite3Cursor)
      if ((await getRow(statement, bindings).catch((error: unknown) => Promise.reject(translate(error)))) === undefined) return { columns, rows };
      const batch = await this.prepared(positionalBatchSelect(count));
      const maxRows = limits?.maxRows ?? Number.MAX_SAFE_INTEGER;
      const maxBytes = limits?.maxBytes ?? Number.MAX_SAFE_INTEGER;
      let bytes = 0;
      // A row's size as `all()` counts it, by column names: the batch's keys are positions.
      const keyDelta = names.reduce((sum, name, i) => sum + name.length - String(i).length, 0);
      for (let size = 0; rows.length <= maxRows && bytes <= maxBytes; size = Math.min(1000, maxRows + 1 - rows.length)) {
        const more = await allRows(batch, [sql, size, Math.max(1, maxBytes + 1 - bytes)]).catch((error: unknown) => Promise.reject(translate(error)));
        if (more.length === 0) break;
        for (const row of more) {
          rows.push(positional(row, count));
          bytes += jsonSizeOf(row) + keyDelta;
        }
      }
      return { columns, rows };
    } finally {
      await new Promise<void>((resolve) => statement.reset(() => resolve()));
      finalizeOneShot(statement);
    }
  }

  async columnsOf(sql: string): Promise<TabularResult['columns']> {
    const [answer] = await this.all(STATEMENT_COLUMNS_SELECT, [sql]);
    return statementColumns(answer);
  }

  cursor(sql: string, bindings: SqliteBindings = []): RowCursor {
    return new NodeSqlite3Cursor(this.prepared(sql), sql, bindings, (text) => this.prepared(text));
  }

  interrupt(): void {
    this.db.interrupt();
  }

  async vacuum(sql: string): Promise<void> {
    this.db.configure('limit', sqlite3.LIMIT_ATTACHED, 1);
    try {
      await this.exec(sql);
    } finally {
      this.db.configure('limit', sqlite3.LIMIT_ATTACHED, 0);
    }
  }

  async copyTo(file: string): Promise<void> {
    this.db.configure('limit', sqlite3.LIMIT_ATTACHED, 1);
    try {
      await new Promise<void>((resolve, reject) => this.db.run('VACUUM INTO ?', [file], (error: Error | null) => (error ? reject(translate(error)) : resolve())));
    } finally {
      this.db.configure('limit', sqlite3.LIMIT_ATTACHED, 0);
    }
  }

  async run(sql: string, bindings: SqliteBindings = []): Promise<RunResult> {
    const statement = await this.prepared(sql);
    return new Promise((resolve, reject) =>
      statement.run(bindings, function (this: sqlite3.RunResult, error: Error | null) {
        finalizeOneShot(statement);
        if (error) reject(translate(error));
        else resolve({ changes: this.changes, lastInsertId: this.lastID });
      }),
    );
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(translate(error)) : resolve())));
  }

  async close(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(translate(error)) : resolve())));
  }

  private prepared(sql: string): Promise<sqlite3.Statement> {
    if (/^\s*EXPLAIN/i.test(sql)) return this.oneShot(sql);
    const cached = this.statements.get(sql);
    if (cached) {
      this.statements.delete(sql); // re-insert: Map order is the recency order
      this.statements.set(sql, cached);
      return Promise.resolve(cached);
    }
    return new Promise((resolve, reject) => {
      const statement: sqlite3.Statement = this.db.prepare(sql, (error: Error | null) => {
        if (error) {
          reject(translate(error));
          return;
        }
        this.statements.set(sql, statement);
        if (this.statements.size > STATEMENT_CACHE_SIZE) {
          const [oldest, evicted] = this.statements.entries().next().value as [string, sqlite3.Statement];
          this.statements.delete(oldest);
          evicted.finalize();
        }
        resolve(statement);
      });
    });
  }

  /**
   * A statement used once, finalized after its first run: an EXPLAIN listing kept prepared holds its
   * connection's read snapshot, so later reads would not see new commits.
   */
  private oneShot(sql: string): Promise<sqlite3.Statement> {
    return new Promise((resolve, reject) => {
      const statement: sqlite3.Statement = this.db.prepare(sql, (error: Error | null) => {
        if (error) reject(translate(error));
        else resolve(Object.assign(statement, { oneShot: true }));
      });
    });
  }

  /** Finalizes the cached statements (the map is emptied at once, so a later task prepares afresh), then shrinks the page cache. */
  override async releaseMemory(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
    await super.releaseMemory();
  }
}

const MAX_PIPELINED_STEPS = 256;

/** A property name JavaScript orders before all others in an object (an array index). */
const INTEGER_LIKE = /^(0|[1-9]\d{0,9})$/;

/**
 * A statement stepped on demand. node-sqlite3 has no batch step: `get()` is one row per trip to the
 * thread pool, and `each()` steps on its own thread with no back-pressure (a million rows pile up in
 * memory if the client reads slowly). So the first row comes from `get()`, which binds the statement,
 * and the next ones a batch per trip: `dbforge_stream_batch` (native/stream-batch.c, in the SQLite
 * guard) steps this same statement on by up to `maxRows` rows, about `maxBytes` at most, inside one
 * `all()`. SQLite steps only when asked, memory holds one batch, and the statement keeps its one read
 * snapshot from the first batch to the last. Should a batch not hold the statement's columns (over
 * SQLite's column limit less three), the rows come from `get()`s instead, several queued at once.
 */
class NodeSqlite3Cursor extends RowCursor {
  private started = false;
  private finished = false;
  private closed?: Promise<void>;
  private reading?: Promise<unknown>;
  /** The statement that steps this one a batch at a time; null when it cannot (row by row then). */
  private batches?: sqlite3.Statement | null;
  private depth = 1;

  constructor(
    private readonly statement: Promise<sqlite3.Statement>,
    private readonly sql: string,
    private readonly bindings: SqliteBindings,
    private readonly prepare: (sql: string) => Promise<sqlite3.Statement>,
  ) {
    super();
  }

  next(maxRows: number, maxBytes: number): Promise<SqliteRow[]> {
    if (this.finished || this.closed) return Promise.resolve([]);
    const batch = this.read(maxRows, maxBytes).catch((error: unknown) => {
      this.finished = true; // after an error SQLite would start the statement over on its next step
      throw translate(error);
    });
    this.reading = batch;
    return batch;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      // A batch steps this statement from another one, outside this statement's own queue of calls:
      // the reset waits for it (a step after the reset would start the statement over).
      await this.reading?.catch(() => undefined);
      const statement = await this.statement.catch(() => undefined);
      if (!statement) return;
      await new Promise<void>((resolve) => statement.reset(() => resolve()));
      finalizeOneShot(statement);
    })();
    return this.closed;
  }

  private async read(maxRows: number, maxBytes: number): Promise<SqliteRow[]> {
    const statement = await this.statement;
    const rows: SqliteRow[] = [];
    let bytes = 0;
    if (!this.started) {
      this.started = true;
      // A cached statement that a plain `all()` ran to its end keeps node-sqlite3's DONE, and a `get()`
      // with no values to bind would answer nothing: a reset, queued ahead of the get, starts it afresh.
      statement.reset();
      const first = await getRow(statement, this.bindings); // binds the statement
      if (first === undefined) {
        this.finished = true;
        return rows;
      }
      rows.push(first);
      bytes = jsonSizeOf(first);
      if (rows.length >= maxRows || bytes >= maxBytes || this.closed) return rows;
      this.batches = await this.batchStatement();
    }
    if (!this.batches) return this.steps(statement, rows, bytes, maxRows, maxBytes);
    const batch = await allRows(this.batches, [this.sql, maxRows - rows.length, maxBytes - bytes]);
    if (batch.length === 0) this.finished = true; // a batch has at least one row while the statement has any
    if (rows.length === 0) return batch;
    for (const row of batch) rows.push(row);
    return rows;
  }

  /** The batch statement for this statement's columns; null when there is none (too many columns, or a guard without batches). */
  private async batchStatement(): Promise<sqlite3.Statement | null> {
    try {
      const [answer] = await allRows(await this.prepare(COLUMNS_SELECT), [this.sql]);
      const columns = columnNames(answer);
      return columns ? await this.prepare(batchSelect(columns)) : null;
    } catch {
      return null;
    }
  }

  /** Row by row: `get()`s, several queued at once, more as rows flow while they stay small. */
  private async steps(statement: sqlite3.Statement, rows: SqliteRow[], bytes: number, maxRows: number, maxBytes: number): Promise<SqliteRow[]> {
    // Stops at once when closed meanwhile: a step after the reset would start the statement over.
    while (rows.length < maxRows && bytes < maxBytes && !this.finished && !this.closed) {
      const steps: Promise<SqliteRow | undefined>[] = [];
      for (let i = Math.min(this.depth, maxRows - rows.length); i > 0; i--) steps.push(getRow(statement));
      const outcomes = await Promise.allSettled(steps);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') throw outcome.reason;
        if (outcome.value === undefined) {
          this.finished = true;
          break;
        }
        rows.push(outcome.value);
        bytes += jsonSizeOf(outcome.value);
      }
      // Grow while rows are small: never queue more steps than the byte budget has room for.
      const roomFor = rows.length > 0 ? Math.floor((maxBytes - bytes) / (bytes / rows.length)) : 1;
      this.depth = Math.max(1, Math.min(this.depth * 4, MAX_PIPELINED_STEPS, roomFor));
    }
    return rows;
  }
}

/**
 * The SqliteDriver on node-sqlite3 (asynchronous; statements run on libuv's thread pool). Every
 * connection gets the SQLite guard (native/sqlite-guard.c) first: defensive mode, an untrusted schema
 * and an authorizer that keeps the temp schema empty and ATTACH, load_extension() and host-revealing
 * pragmas out, checked by SQLite on what a statement does rather than on how it is spelled.
 */
@Injectable()
export class NodeSqlite3Driver extends SqliteDriver {
  private readonly guard = findSqliteGuard();

  async open(file: string, options: OpenOptions): Promise<SqliteConnection> {
    const guard = this.guard;
    if (!guard) throw new SqliteError('SQLITE_CANTOPEN', 'The SQLite guard (dist/native/sqlite-guard.so) is missing: run `npm run build`.');
    const mode = (options.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE) | (options.create && !options.readOnly ? sqlite3.OPEN_CREATE : 0);
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle: sqlite3.Database = new sqlite3.Database(file, mode, (error) => (error ? reject(translate(error)) : resolve(handle)));
    }).catch(async (error: SqliteError) => {
      if (error.code === 'SQLITE_CANTOPEN' && !options.create && !(await exists(file))) throw new SqliteError(FILE_MISSING, `the database file ${file} does not exist`);
      throw error;
    });
    const connection = new NodeSqlite3Connection(db);
    try {
      await new Promise<void>((resolve, reject) => db.loadExtension(guard, (error) => (error ? reject(translate(error)) : resolve())));
      db.configure('busyTimeout', options.busyTimeoutMs);
      // No database may reach another file: ATTACH fails with "too many attached databases".
      db.configure('limit', sqlite3.LIMIT_ATTACHED, 0);
      if (options.maxValueBytes !== undefined) db.configure('limit', sqlite3.LIMIT_LENGTH, options.maxValueBytes);
      if (!options.readOnly) {
        await connection.exec('PRAGMA journal_mode=WAL');
      }
      await connection.exec(`PRAGMA synchronous=${options.synchronous}; PRAGMA foreign_keys=ON`);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    return connection;
  }
}
