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
  /** How long a connection may go unused before it is closed or its memory released (default POOL_IDLE_MS). */
  idleMs?: number;
  /** How long a write or a transaction waits for the writer while an interactive transaction holds it (0: no limit). */
  transactionWaitMs?: number;
  /**
   * The checkpoint of a closing pool: TRUNCATE (the default) leaves one self-contained file; PASSIVE
   * while Litestream replicates the file (its read transaction would keep a TRUNCATE waiting).
   */
  closeCheckpoint?: 'TRUNCATE' | 'PASSIVE';
}

/**
 * A connection lent to an interactive transaction (libSQL batons) until `release`: the writer, which
 * no other write then uses, or a reader. The holder bounds how long it keeps it.
 */
export interface HeldConnection {
  readonly kind: 'writer' | 'reader';
  /** Runs one step on the connection under the statement timeout. */
  run<T>(task: (connection: SqliteConnection) => Promise<T>): Promise<T>;
  /** Interrupts the step running now, if any. */
  interrupt(): void;
  /** Rolls back whatever the holder left open and hands the connection back. Idempotent. */
  release(): Promise<void>;
  /** Called once should the pool take the connection back itself (a prune, a restore, a shutdown). */
  onAbort(listener: (reason: Error) => void): void;
}

const PLAN_CACHE_SIZE = 256;

/**
 * A reader (or the spare planner) unused for this long is closed, down to none; a pool with no
 * operation for this long releases its writer's memory (prepared statements, page cache). Long
 * enough that a database in steady use never reopens a reader between two requests, short enough
 * that a thousand quiet databases hold about one bare connection each.
 */
export const POOL_IDLE_MS = 5_000;

/**
 * A pool counts as warm once it has run this many operations with no idle pause of `idleMs`: then its
 * connections get SQLite's default page cache. Until then (and again once idle) they get a cold one.
 */
export const WARM_AFTER_OPERATIONS = 32;

/**
 * The page cache of a cold pool's connection: 2 pages. Below 3, SQLite also skips the block of 20
 * pages (about 86 KiB) it otherwise allocates whenever a connection's empty cache gets its first
 * page; `shrink_memory` frees the block a new connection got from the pragmas it was opened with.
 */
const COLD_CACHE = 'PRAGMA cache_size=2';
/** SQLite's default page cache (SQLITE_DEFAULT_CACHE_SIZE: 2,000 KiB), for a warm pool's connections. */
const WARM_CACHE = 'PRAGMA cache_size=-2000';

/**
 * The connections of one database file: one writer (WAL, writes serialized and group-committed by a WriteBatcher),
 * and up to `readers` read-only connections, which read concurrently with the writer. A pool opens
 * with its writer only; a reader is opened when an operation finds every open reader busy, and one
 * unused for `idleMs` (POOL_IDLE_MS) is closed again, down to none; once the whole pool has had no
 * operation for `idleMs`, the writer's prepared statements and page cache are released too.
 * Planning (EXPLAIN, compile only) borrows an idle reader or opens one; only when all `readers` are
 * busy does it use a spare read-only planner connection (closed like a reader once unused), so
 * planning never waits for a reader.
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
  /** The writer once it is open. */
  private openWriter?: SqliteConnection;
  /** Readers free to take, the most recently used on top (so the others go unused and get closed). */
  private readonly idleReaders: SqliteConnection[] = [];
  /** When each of `idleReaders` (same index) was handed back: the oldest at the bottom. */
  private readonly idleSince: number[] = [];
  private readonly allReaders = new Set<SqliteConnection>();
  private openingReaders = 0;
  private readonly readerWaiters: ((connection: SqliteConnection | undefined) => void)[] = [];
  private readonly batcher: WriteBatcher;
  private readonly plans = new Map<string, StatementPlan>();
  /** Bumped whenever the schema changes: a plan made under an older generation is not cached. */
  private schemaGeneration = 0;
  private schemaVersion?: number;
  /** The spare planner, for when every reader is busy. */
  private planner?: Promise<SqliteConnection>;
  /** Planning tasks run one at a time on the spare planner. */
  private planning: Promise<unknown> = Promise.resolve();
  private plannerUsers = 0;
  private plannerUsedAt = 0;
  private readonly cursors = new Set<PooledCursor>();
  /** Interactive transactions holding a connection: how to take each back. */
  private readonly holds = new Set<(reason: Error) => Promise<void>>();
  /** Readers held by cursors, and cursors waiting for one of the readers cursors may hold. */
  private cursorsHeld = 0;
  private readonly cursorWaiters: ((slot: undefined) => void)[] = [];
  private active = 0;
  private drained?: () => void;
  private closed = false;
  /** When `active` last dropped to 0. */
  private idleFrom = 0;
  /** An operation ran since the writer's memory was last released. */
  private memoryHeld = false;
  private sweepTimer?: NodeJS.Timeout;
  /** Reader closes and memory releases under way: a close waits for them. */
  private readonly housekeeping = new Set<Promise<void>>();
  /** Operations since the pool was last idle for `idleMs`; past WARM_AFTER_OPERATIONS it is warm. */
  private operationsSinceIdle = 0;
  /** Open connections that still have the cold page cache. */
  private readonly coldConnections = new Set<SqliteConnection>();

  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly driver: SqliteDriver,
    private readonly options: PoolOptions,
  ) {
    this.batcher = new WriteBatcher(
      () => this.writerConnection(),
      (connection, task) => this.timed(connection, task),
      (connection) => this.noteSchema(connection),
      options.transactionWaitMs ?? 0,
    );
  }

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
    const held = await this.leaseReader();
    const cursor = new PooledCursor(open(held), (step) => this.timed(held, step), () => {
      this.cursors.delete(cursor);
      this.returnLeasedReader(held);
    });
    this.cursors.add(cursor);
    return cursor;
  }

  /** A reader kept past one operation (by a cursor or a read transaction), in one of the slots such holders share; counts as an operation until returned. */
  private async leaseReader(): Promise<SqliteConnection> {
    if (this.closed) throw new DatabaseClosedError(this.name);
    this.active++;
    let slot = false;
    try {
      await this.writerConnection();
      await this.cursorSlot();
      slot = true;
      return await this.acquireReader();
    } catch (error) {
      if (slot) this.releaseCursorSlot();
      this.settle();
      throw error;
    }
  }

  private returnLeasedReader(reader: SqliteConnection): void {
    this.releaseReader(reader);
    this.releaseCursorSlot();
    this.settle();
  }

  /**
   * Lends the writer to an interactive transaction: granted in its turn after the writes queued
   * before it (waiting at most `transactionWaitMs`, then SQLITE_BUSY), it runs alone, and writes
   * queued behind it wait (each at most `transactionWaitMs`) until it is released.
   */
  async holdWriter(): Promise<HeldConnection> {
    let granted!: (connection: SqliteConnection) => void;
    let release!: () => void;
    const grant = new Promise<SqliteConnection>((resolve) => (granted = resolve));
    const done = new Promise<void>((resolve) => (release = resolve));
    let abandoned = false;
    const writing = this.write(async (connection) => {
      if (abandoned) return;
      granted(connection);
      await done;
    }, 'held');
    const limit = this.options.transactionWaitMs ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (limit > 0) {
        timer = setTimeout(
          () => reject(new SqliteError('SQLITE_BUSY', `the database's writer stayed busy for ${limit} ms (DBFORGE_TRANSACTION_WAIT_MS): another transaction holds it`)),
          limit,
        );
      }
    });
    // The task returns before it was granted only when abandoned, or the write fails (the writer would not open).
    const ended = writing.then(() => Promise.reject(new DatabaseClosedError(this.name)));
    ended.catch(() => undefined);
    try {
      const connection = await Promise.race([grant, timedOut, ended]);
      return this.held('writer', connection, async () => {
        release();
        await writing.catch(() => undefined);
      });
    } catch (error) {
      abandoned = true;
      release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lends a reader to a read transaction, as a cursor holds one (cursors and these leave one reader to plain reads). */
  async holdReader(): Promise<HeldConnection> {
    const reader = await this.leaseReader();
    return this.held('reader', reader, async () => this.returnLeasedReader(reader));
  }

  private held(kind: 'writer' | 'reader', connection: SqliteConnection, handBack: () => Promise<void>): HeldConnection {
    let released: Promise<void> | undefined;
    let running: Promise<unknown> | undefined;
    const listeners: ((reason: Error) => void)[] = [];
    const holding: HeldConnection = {
      kind,
      run: (task) => {
        if (released) return Promise.reject(new DatabaseClosedError(this.name));
        const step = this.timed(connection, task);
        running = step;
        return step;
      },
      interrupt: () => connection.interrupt(),
      release: () =>
        (released ??= (async () => {
          this.holds.delete(abort);
          await running?.catch(() => undefined);
          await connection.exec('ROLLBACK').catch(() => undefined);
          await handBack();
        })()),
      onAbort: (listener) => listeners.push(listener),
    };
    const abort = async (reason: Error) => {
      if (released) return released;
      connection.interrupt();
      await holding.release();
      for (const listener of listeners) listener(reason);
    };
    this.holds.add(abort);
    return holding;
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
   * schema; compiled on a read-only connection that is free (see onPlanningConnection), so it never
   * waits behind reads.
   */
  async plan(statement: PlannableStatement): Promise<StatementPlan> {
    const cached = this.cachedPlan(statement);
    if (cached) return cached;
    return this.track(async () => {
      const generation = this.schemaGeneration;
      const plan = await this.onPlanningConnection((connection) => this.timed(connection, (planning) => this.explain(planning, statement)));
      if (generation === this.schemaGeneration) this.remember(statement.sql, plan);
      return plan;
    });
  }

  /**
   * Runs a planning task on an idle reader, or on a reader opened for it while fewer than `readers`
   * are open; when every reader is busy, on the spare planner (opened then): it never waits for a reader.
   */
  private async onPlanningConnection<T>(task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    await this.writerConnection(); // the file and its WAL exist before a read-only open
    const reader = this.takeIdleReader() ?? (this.mayOpenReader ? await this.openReader() : undefined);
    if (reader) {
      try {
        return await task(reader);
      } finally {
        this.releaseReader(reader);
      }
    }
    this.plannerUsers++;
    try {
      const planner = await this.plannerConnection();
      const turn = this.planning.then(() => task(planner));
      this.planning = turn.catch(() => undefined);
      return await turn;
    } finally {
      this.plannerUsers--;
      this.plannerUsedAt = Date.now();
    }
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

  /**
   * Ends every open cursor and interactive transaction: each hands its connection back (a
   * transaction rolled back), and its stream or baton is cut with `reason`.
   */
  async endCursors(reason: Error): Promise<void> {
    await Promise.all([...[...this.cursors].map((cursor) => cursor.abort(reason)), ...[...this.holds].map((abort) => abort(reason))]);
  }

  /**
   * Waits for running operations, checkpoints the WAL into the database file and closes every
   * connection (each finalizing its prepared statements); drops the plans and stops the idle timer,
   * so that nothing of the pool outlives it.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.stopSweeping();
    await this.endCursors(new DatabaseClosedError(this.name));
    if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.drained = undefined;
    await Promise.all(this.housekeeping);
    const readers = [...this.allReaders];
    this.allReaders.clear();
    this.idleReaders.length = 0;
    this.idleSince.length = 0;
    const planner = this.planner;
    this.planner = undefined;
    this.plans.clear();
    this.coldConnections.clear();
    await Promise.allSettled([...readers.map((reader) => reader.close()), planner?.then((connection) => connection.close())]);
    const writer = this.writer;
    this.writer = undefined;
    this.openWriter = undefined;
    if (!writer) return;
    const connection = await writer.catch(() => undefined);
    if (!connection) return;
    try {
      await connection.exec(`PRAGMA wal_checkpoint(${this.options.closeCheckpoint ?? 'TRUNCATE'})`);
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
    this.operationsSinceIdle++;
    if (this.active === 0) {
      this.idleFrom = Date.now();
      this.memoryHeld = true;
      this.drained?.();
      if (!this.sweepTimer && !this.closed) this.sweepIn(this.idleMs);
    }
  }

  /** Number of open connections: the writer, readers and the spare planner. */
  get openConnections(): number {
    return (this.openWriter ? 1 : 0) + this.allReaders.size + (this.planner ? 1 : 0);
  }

  private get idleMs(): number {
    return this.options.idleMs ?? POOL_IDLE_MS;
  }

  private sweepIn(delay: number): void {
    this.sweepTimer = setTimeout(() => this.sweep(), delay);
    this.sweepTimer.unref();
  }

  private stopSweeping(): void {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /**
   * Closes the readers (and the spare planner) unused for `idleMs`; once the pool has had no
   * operation for `idleMs`, releases the writer's memory. Then waits for the next such moment, if any.
   */
  private sweep(): void {
    this.sweepTimer = undefined;
    if (this.closed) return;
    const now = Date.now();
    const idleMs = this.idleMs;
    let unused = 0;
    while (unused < this.idleReaders.length && now - this.idleSince[unused] >= idleMs) unused++;
    if (unused > 0) {
      this.idleSince.splice(0, unused);
      for (const reader of this.idleReaders.splice(0, unused)) {
        this.allReaders.delete(reader);
        this.coldConnections.delete(reader);
        this.inBackground(reader.close());
      }
    }
    if (this.planner && this.plannerUsers === 0 && now - this.plannerUsedAt >= idleMs) {
      const planner = this.planner;
      this.planner = undefined;
      this.inBackground(
        planner.then((connection) => {
          this.coldConnections.delete(connection);
          return connection.close();
        }),
      );
    }
    const writer = this.openWriter;
    if (this.active === 0 && this.memoryHeld && now - this.idleFrom >= idleMs && writer) {
      this.memoryHeld = false;
      this.operationsSinceIdle = 0;
      // Nothing runs on the writer now (the pool is idle), so its cached statements may go: called
      // here, releaseMemory drops them before any later task can take one.
      this.coldConnections.add(writer);
      this.inBackground(Promise.all([writer.exec(COLD_CACHE), writer.releaseMemory()]).then(() => undefined));
    }
    let next = Infinity;
    if (this.idleReaders.length > 0) next = this.idleSince[0] + idleMs;
    if (this.planner) next = Math.min(next, this.plannerUsedAt + idleMs);
    if (this.active === 0 && this.memoryHeld && writer) next = Math.min(next, this.idleFrom + idleMs);
    // Busy readers, a busy planner and a busy pool arm the timer again when their operation settles.
    if (next !== Infinity) this.sweepIn(Math.max(1, next - now));
  }

  private inBackground(work: Promise<void>): void {
    const done: Promise<void> = work.catch(() => undefined).finally(() => this.housekeeping.delete(done));
    this.housekeeping.add(done);
  }

  /** Runs `task`, interrupting its connection if it outlives the statement timeout. */
  private async timed<T>(connection: SqliteConnection, task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    if (this.coldConnections.size > 0 && this.operationsSinceIdle >= WARM_AFTER_OPERATIONS && this.coldConnections.delete(connection)) {
      await connection.exec(WARM_CACHE).catch(() => undefined); // a tuning: the task itself decides
    }
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

  /** A new connection of a cold pool gets the cold page cache (a warm pool's keeps SQLite's default). */
  private async settled(connection: SqliteConnection): Promise<SqliteConnection> {
    if (this.operationsSinceIdle >= WARM_AFTER_OPERATIONS) return connection;
    try {
      await connection.exec(`${COLD_CACHE}; PRAGMA shrink_memory`);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.coldConnections.add(connection);
    return connection;
  }

  private writerConnection(create = false): Promise<SqliteConnection> {
    if (!this.writer) {
      const opening = this.driver.open(this.file, { ...this.connectionOptions(), readOnly: false, create }).then((connection) => this.settled(connection));
      // A failed open is not cached: the next operation tries again.
      opening.then(
        (connection) => {
          if (this.writer === opening) this.openWriter = connection;
        },
        () => {
          if (this.writer === opening) this.writer = undefined;
        },
      );
      this.writer = opening;
    }
    return this.writer;
  }

  private plannerConnection(): Promise<SqliteConnection> {
    if (!this.planner) {
      const opening = this.writerConnection()
        .then(() => this.driver.open(this.file, { ...this.connectionOptions(), readOnly: true }))
        .then((connection) => this.settled(connection));
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

  /** An idle reader, else a new one while fewer than `readers` are open, else the next one handed back (waiting at most `readerWaitMs`). */
  private async acquireReader(): Promise<SqliteConnection> {
    const idle = this.takeIdleReader();
    if (idle) return idle;
    if (this.mayOpenReader) return this.openReader();
    const reader = await this.waitBounded<SqliteConnection | undefined>(this.readerWaiters, 'other reads');
    return reader ?? this.acquireReader();
  }

  private takeIdleReader(): SqliteConnection | undefined {
    const reader = this.idleReaders.pop();
    if (reader) this.idleSince.pop();
    return reader;
  }

  private get mayOpenReader(): boolean {
    return this.allReaders.size + this.openingReaders < this.options.readers;
  }

  private async openReader(): Promise<SqliteConnection> {
    this.openingReaders++;
    try {
      const reader = await this.settled(await this.driver.open(this.file, { ...this.connectionOptions(), readOnly: true }));
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

  private releaseReader(reader: SqliteConnection): void {
    if (!this.allReaders.has(reader)) return; // closed meanwhile
    const waiter = this.readerWaiters.shift();
    if (waiter) waiter(reader);
    else {
      this.idleReaders.push(reader);
      this.idleSince.push(Date.now());
    }
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
