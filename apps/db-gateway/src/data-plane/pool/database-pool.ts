import { OpenOptions, RowCursor, SqliteConnection, SqliteDriver, SqliteError, SqliteRow } from '../sqlite/sqlite.port';
import { EXPLAIN_STATEMENT_PLAN, Instruction, StatementPlan, planFromInstructions } from '../statements/statement-plan';
import { WriteBatcher, WriteMode } from './write-batcher';

export interface PoolOptions {
  readers: number;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** A task running longer than this is interrupted (0: never). */
  statementTimeoutMs: number;
  maxValueBytes?: number;
}

const PLAN_CACHE_SIZE = 256;
/** The code of the error an operation gets from a pool that was closed (its database pruned or evicted). */
export const POOL_CLOSED = 'DBFORGE_POOL_CLOSED';

/**
 * The connections of one database file: one writer (WAL, writes serialized and group-committed by a WriteBatcher) and
 * up to `readers` read-only connections opened on demand, which read concurrently with the writer.
 * A reader runs one task at a time, so interrupting a task that ran too long never cuts a neighbour.
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
  );
  private readonly plans = new Map<string, StatementPlan>();
  private readonly cursors = new Set<PooledCursor>();
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

  /** Opens the writer, creating the file in WAL mode if it does not exist. */
  async open(): Promise<void> {
    await this.track(() => this.writerConnection());
  }

  /**
   * Runs `task` on the writer after every write queued before it, committed together with the writes
   * queued alongside it (group commit); resolves only once its transaction has committed.
   */
  write<T>(task: (connection: SqliteConnection) => Promise<T>, mode: WriteMode = 'statement'): Promise<T> {
    return this.track(() => this.batcher.submit(task, mode));
  }

  /** Runs `task` on a reader of its own, opening another while fewer than `readers` are open, else waiting for one. */
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
   * `next` fails with POOL_CLOSED), so a stalled client cannot hold a prune or shutdown.
   */
  async cursor(open: (connection: SqliteConnection) => RowCursor): Promise<PooledCursor> {
    if (this.closed) throw new SqliteError(POOL_CLOSED, `The pool of database '${this.name}' is closed.`);
    this.active++;
    let reader: SqliteConnection | undefined;
    try {
      await this.writerConnection();
      reader = await this.acquireReader();
    } catch (error) {
      this.settle();
      throw error;
    }
    const held = reader;
    const cursor = new PooledCursor(open(held), (step) => this.timed(held, step), () => {
      this.cursors.delete(cursor);
      this.releaseReader(held);
      this.settle();
    });
    this.cursors.add(cursor);
    return cursor;
  }

  /** How SQLite will run `sql` (from its bytecode), cached per statement text. */
  async plan(sql: string, firstKeyword: string): Promise<StatementPlan> {
    return this.cachedPlan(sql, firstKeyword) ?? this.read((connection) => this.planOn(connection, sql, firstKeyword));
  }

  /**
   * The plan, asked of `connection` itself when not cached: inside a transaction a statement may
   * name a table an earlier statement of the same transaction created.
   */
  async planOn(connection: SqliteConnection, sql: string, firstKeyword: string): Promise<StatementPlan> {
    const cached = this.cachedPlan(sql, firstKeyword);
    if (cached) return cached;
    const program = (await connection.all(`EXPLAIN ${sql}`)) as unknown as Instruction[];
    const plan = planFromInstructions(program);
    if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(sql, plan);
    return plan;
  }

  private cachedPlan(sql: string, firstKeyword: string): StatementPlan | undefined {
    return firstKeyword === 'EXPLAIN' ? EXPLAIN_STATEMENT_PLAN : this.plans.get(sql);
  }

  /** Waits for running operations, checkpoints the WAL into the database file and closes every connection. */
  /** Ends every open cursor: each hands its reader back, and its stream is cut with `reason`. */
  async endCursors(reason: Error): Promise<void> {
    await Promise.all([...this.cursors].map((cursor) => cursor.abort(reason)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.endCursors(new SqliteError(POOL_CLOSED, `The pool of database '${this.name}' is closed.`));
    if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const readers = [...this.allReaders];
    this.allReaders.clear();
    this.idleReaders.length = 0;
    await Promise.allSettled(readers.map((reader) => reader.close()));
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
    if (this.closed) throw new SqliteError(POOL_CLOSED, `The pool of database '${this.name}' is closed.`);
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

  private writerConnection(): Promise<SqliteConnection> {
    if (!this.writer) {
      const opening = this.driver.open(this.file, { ...this.connectionOptions(), readOnly: false });
      // A failed open is not cached: the next operation tries again.
      opening.catch(() => {
        if (this.writer === opening) this.writer = undefined;
      });
      this.writer = opening;
    }
    return this.writer;
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
    const reader = await new Promise<SqliteConnection | undefined>((resolve) => this.readerWaiters.push(resolve));
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
