import { OpenOptions, RowCursor, SqliteConnection, SqliteDriver, SqliteError, SqliteRow } from '../../sqlite/sqlite.port';
import { checkStatementExtent } from '../statements/statement-extent';
import { EXPLAIN_STATEMENT_PLAN, Instruction, StatementPlan, planFromInstructions } from '../statements/statement-plan';
import { WriteBatcher, WriteMode } from './write-batcher';
import { DatabaseClosedError } from './database-closed.error';

/** A statement as the planner needs it (a BoundStatement is one). */
export interface PlannableStatement {
  sql: string;
  firstKeyword: string;
  /** The statement up to its last token, as the scanner reads it: SQLite is asked to confirm it is one statement. */
  statementText: string;
}

export interface PoolOptions {
  readers: number;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** A task running longer than this is interrupted (0: never). */
  statementTimeoutMs: number;
  /** How long an operation waits for a free reader before it is refused as busy (0: no limit). */
  readerWaitMs?: number;
  maxValueBytes?: number;
}

const PLAN_CACHE_SIZE = 256;

/**
 * The connections of one database file: one writer (WAL, writes serialized and group-committed by a WriteBatcher),
 * up to `readers` read-only connections opened on demand, which read concurrently with the writer, and
 * one read-only planner that only compiles statements (EXPLAIN), so planning never waits for a reader.
 * A reader runs one task at a time, so interrupting a task that ran too long never cuts a neighbour.
 * Cursors (streams, held as long as their client reads) may hold all readers but one, and a wait for a
 * reader is bounded (`readerWaitMs`, then SQLITE_BUSY): a client that stops reading holds its own
 * reader and nobody else's.
 *
 * Plans are cached per statement text and made for one schema: after every write the writer reads
 * the schema cookie, and a change (from any statement, DDL of the gateway's own included) drops them all.
 */
export class DatabasePool {
  private writer?: Promise<SqliteConnection>;
  private readonly idleReaders: SqliteConnection[] = [];
  private readonly allReaders = new Set<SqliteConnection>();
  private openingReaders = 0;
  private readonly readerWaiters: ((connection: SqliteConnection | undefined) => void)[] = [];
  private readonly batcher = new WriteBatcher(
    () => this.writerConnection(),
    (connection, task) => this.timed(connection, task),
    (connection) => this.noteSchema(connection),
  );
  private readonly plans = new Map<string, StatementPlan>();
  /** Bumped whenever the schema changes: a plan made under an older generation is not cached. */
  private schemaGeneration = 0;
  private schemaVersion?: number;
  private planner?: Promise<SqliteConnection>;
  /** Planning tasks run one at a time on the planner. */
  private planning: Promise<unknown> = Promise.resolve();
  private readonly cursors = new Set<PooledCursor>();
  /** Readers held by cursors, and cursors waiting for one of the readers cursors may hold. */
  private cursorsHeld = 0;
  private readonly cursorWaiters: ((slot: undefined) => void)[] = [];
  private active = 0;
  private drained?: () => void;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly driver: SqliteDriver,
    private readonly options: PoolOptions,
  ) {}

  /** Operations running or queued. */
  get inFlight(): number {
    return this.active;
  }

  get writeQueueDepth(): number {
    return this.batcher.depth;
  }

  /**
   * Opens the writer. Only with `create` (a spawn of a new database) is a missing file created, in
   * WAL mode; otherwise, as for every other operation, a missing file fails with FILE_MISSING.
   */
  async open({ create = false }: { create?: boolean } = {}): Promise<void> {
    await this.track(() => this.writerConnection(create));
  }

  /**
   * Runs `task` on the writer after every write queued before it, committed together with the writes
   * queued alongside it (group commit); resolves only once its transaction has committed.
   */
  write<T>(task: (connection: SqliteConnection) => Promise<T>, mode: WriteMode = 'statement'): Promise<T> {
    return this.track(() => this.batcher.submit(task, mode));
  }

  /**
   * Runs `task` on a reader of its own, opening another while fewer than `readers` are open, else
   * waiting for one (at most `readerWaitMs`).
   */
  read<T>(task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    return this.track(async () => {
      await this.writerConnection(); // the file and its WAL exist before a read-only open
      const reader = await this.acquireReader();
      try {
        return await this.timed(reader, task);
      } finally {
        this.releaseReader(reader);
      }
    });
  }

  /**
   * A cursor (`open` makes it, usually `connection.cursor(sql)`) on a reader held until the cursor is closed: for a stream that
   * reads rows as its client takes them. The statement timeout bounds each `next`, not the cursor's
   * life, which lasts as long as the client reads. Closing the pool ends open cursors (their next
   * `next` fails with DatabaseClosedError), so a stalled client cannot hold a prune or shutdown.
   */
  async cursor(open: (connection: SqliteConnection) => RowCursor): Promise<PooledCursor> {
    if (this.closed) throw new DatabaseClosedError(this.name);
    this.active++;
    let reader: SqliteConnection | undefined;
    let slot = false;
    try {
      await this.writerConnection();
      await this.cursorSlot();
      slot = true;
      reader = await this.acquireReader();
    } catch (error) {
      if (slot) this.releaseCursorSlot();
      this.settle();
      throw error;
    }
    const held = reader;
    const cursor = new PooledCursor(open(held), (step) => this.timed(held, step), () => {
      this.cursors.delete(cursor);
      this.releaseReader(held);
      this.releaseCursorSlot();
      this.settle();
    });
    this.cursors.add(cursor);
    return cursor;
  }

  /** Cursors may hold every reader but one (all of them when there is only one), so plain reads always get a turn. */
  private get cursorLimit(): number {
    return Math.max(1, this.options.readers - 1);
  }

  private async cursorSlot(): Promise<void> {
    if (this.cursorsHeld < this.cursorLimit) {
      this.cursorsHeld++;
      return;
    }
    await this.waitBounded(this.cursorWaiters, 'streams'); // a closing cursor hands its slot over
  }

  private releaseCursorSlot(): void {
    const next = this.cursorWaiters.shift();
    if (next) next(undefined);
    else this.cursorsHeld--;
  }

  /**
   * How SQLite will run the statement (from its bytecode), cached per statement text for the current
   * schema; asked of the planner connection, which only compiles, so it never waits behind reads.
   */
  async plan(statement: PlannableStatement): Promise<StatementPlan> {
    const cached = this.cachedPlan(statement);
    if (cached) return cached;
    return this.track(async () => {
      const generation = this.schemaGeneration;
      const planner = await this.plannerConnection();
      const turn = this.planning.then(() => this.timed(planner, (connection) => this.explain(connection, statement)));
      this.planning = turn.catch(() => undefined);
      const plan = await turn;
      if (generation === this.schemaGeneration) this.remember(statement.sql, plan);
      return plan;
    });
  }

  /**
   * The plan, asked of `connection` itself and never cached: inside a transaction a statement may
   * name a table an earlier statement of the same transaction created (or dropped).
   */
  planOn(connection: SqliteConnection, statement: PlannableStatement): Promise<StatementPlan> {
    return this.explain(connection, statement);
  }

  private async explain(connection: SqliteConnection, statement: PlannableStatement): Promise<StatementPlan> {
    if (statement.firstKeyword === 'EXPLAIN') return this.explainStatement(connection, statement);
    const program = (await connection.all(`EXPLAIN ${statement.sql}`)) as unknown as Instruction[];
    await checkStatementExtent(connection, statement.statementText, statement.firstKeyword);
    return planFromInstructions(program);
  }

  /** `EXPLAIN ...` cannot itself be explained; it only ever reads, once SQLite agrees it is one statement. */
  private async explainStatement(connection: SqliteConnection, statement: PlannableStatement): Promise<StatementPlan> {
    await checkStatementExtent(connection, statement.statementText, statement.firstKeyword);
    return EXPLAIN_STATEMENT_PLAN;
  }

  private cachedPlan(statement: PlannableStatement): StatementPlan | undefined {
    return this.plans.get(statement.sql);
  }

  private remember(sql: string, plan: StatementPlan): void {
    if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(sql, plan);
  }

  /**
   * After each write, on the writer, before anyone is answered: a schema cookie other than the last
   * one seen (or none readable) drops every plan made for the old schema.
   */
  private async noteSchema(writer: SqliteConnection): Promise<void> {
    const version = await writer.all('PRAGMA schema_version').then(([row]) => Number(row?.schema_version), () => undefined);
    if (version === undefined || version !== this.schemaVersion) {
      this.schemaGeneration++;
      this.plans.clear();
    }
    this.schemaVersion = version;
  }

  /** Waits for running operations, checkpoints the WAL into the database file and closes every connection. */
  /** Ends every open cursor: each hands its reader back, and its stream is cut with `reason`. */
  async endCursors(reason: Error): Promise<void> {
    await Promise.all([...this.cursors].map((cursor) => cursor.abort(reason)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.endCursors(new DatabaseClosedError(this.name));
    if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const readers = [...this.allReaders];
    this.allReaders.clear();
    this.idleReaders.length = 0;
    const planner = this.planner;
    this.planner = undefined;
    await Promise.allSettled([...readers.map((reader) => reader.close()), planner?.then((connection) => connection.close())]);
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) return;
    const connection = await writer.catch(() => undefined);
    if (!connection) return;
    try {
      await connection.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } finally {
      await connection.close();
    }
  }

  private async track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw new DatabaseClosedError(this.name);
    this.active++;
    try {
      return await operation();
    } finally {
      this.settle();
    }
  }

  private settle(): void {
    this.active--;
    if (this.active === 0) this.drained?.();
  }

  /** Runs `task`, interrupting its connection if it outlives the statement timeout. */
  private async timed<T>(connection: SqliteConnection, task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    const limit = this.options.statementTimeoutMs;
    if (limit <= 0) return task(connection);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, limit);
    try {
      return await task(connection);
    } catch (error) {
      if (timedOut && error instanceof SqliteError && error.code === 'SQLITE_INTERRUPT') {
        throw new SqliteError('SQLITE_INTERRUPT', `the statement ran longer than ${limit} ms (DBFORGE_STATEMENT_TIMEOUT_MS) and was interrupted.`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private connectionOptions(): Omit<OpenOptions, 'readOnly'> {
    const { busyTimeoutMs, synchronous, maxValueBytes } = this.options;
    return { busyTimeoutMs, synchronous, maxValueBytes };
  }

  private writerConnection(create = false): Promise<SqliteConnection> {
    if (!this.writer) {
      const opening = this.driver.open(this.file, { ...this.connectionOptions(), readOnly: false, create });
      // A failed open is not cached: the next operation tries again.
      opening.catch(() => {
        if (this.writer === opening) this.writer = undefined;
      });
      this.writer = opening;
    }
    return this.writer;
  }

  private plannerConnection(): Promise<SqliteConnection> {
    if (!this.planner) {
      const opening = this.writerConnection().then(() => this.driver.open(this.file, { ...this.connectionOptions(), readOnly: true }));
      opening.catch(() => {
        if (this.planner === opening) this.planner = undefined;
      });
      this.planner = opening;
    }
    return this.planner;
  }

  /**
   * Waits in `queue` until called, for at most `readerWaitMs`; then gives up with SQLITE_BUSY (a 503
   * to the client) rather than hang behind clients that hold the readers.
   */
  private waitBounded<T>(queue: ((value: T) => void)[], what: string): Promise<T> {
    const limit = this.options.readerWaitMs ?? 0;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      queue.push(waiter);
      if (limit > 0) {
        timer = setTimeout(() => {
          const index = queue.indexOf(waiter);
          if (index !== -1) queue.splice(index, 1);
          reject(new SqliteError('SQLITE_BUSY', `every reader of database '${this.name}' stayed busy for ${limit} ms (DBFORGE_READER_WAIT_MS) with ${what}`));
        }, limit);
      }
    });
  }

  private async acquireReader(): Promise<SqliteConnection> {
    const idle = this.idleReaders.pop();
    if (idle) return idle;
    if (this.allReaders.size + this.openingReaders < this.options.readers) {
      this.openingReaders++;
      try {
        const reader = await this.driver.open(this.file, { ...this.connectionOptions(), readOnly: true });
        this.allReaders.add(reader);
        return reader;
      } catch (error) {
        // A waiter queued behind this open tries for itself rather than waiting for ever.
        this.readerWaiters.shift()?.(undefined);
        throw error;
      } finally {
        this.openingReaders--;
      }
    }
    const reader = await this.waitBounded<SqliteConnection | undefined>(this.readerWaiters, 'other reads');
    return reader ?? this.acquireReader();
  }

  private releaseReader(reader: SqliteConnection): void {
    if (!this.allReaders.has(reader)) return; // closed meanwhile
    const waiter = this.readerWaiters.shift();
    if (waiter) waiter(reader);
    else this.idleReaders.push(reader);
  }
}

/** A driver cursor on a leased reader: each batch under the statement timeout; closing hands the reader back. */
export class PooledCursor {
  private released = false;
  private failure?: Error;
  private reading?: Promise<unknown>;
  private readonly abortListeners: ((reason: Error) => void)[] = [];

  constructor(
    private readonly cursor: RowCursor,
    private readonly timed: (step: () => Promise<SqliteRow[]>) => Promise<SqliteRow[]>,
    private readonly release: () => void,
  ) {}

  async next(maxRows: number, maxBytes: number): Promise<SqliteRow[]> {
    if (this.failure) throw this.failure;
    if (this.released) return [];
    const batch = this.timed(() => this.cursor.next(maxRows, maxBytes));
    this.reading = batch;
    return batch;
  }

  /** Ends the read and returns the reader to the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      // The reader goes back only once its last batch has settled: its timeout timer must never
      // interrupt the connection after another request has it.
      await this.reading?.catch(() => undefined);
      await this.cursor.close();
    } finally {
      this.release();
    }
  }

  /** Called when the pool ends this cursor (a prune, a restore), so that its consumer can stop at once. */
  onAbort(listener: (reason: Error) => void): void {
    this.abortListeners.push(listener);
  }

  /** Closes the cursor on the pool's behalf; its consumer's next `next` gets `reason`. */
  async abort(reason: Error): Promise<void> {
    this.failure ??= reason;
    await this.close();
    for (const listener of this.abortListeners) listener(reason);
  }
}
