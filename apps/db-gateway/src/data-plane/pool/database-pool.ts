import { SqliteConnection, SqliteDriver, SqliteError } from '../sqlite/sqlite.port';
import { EXPLAIN_STATEMENT_PLAN, Instruction, StatementPlan, planFromInstructions } from '../statements/statement-plan';
import { WriterQueue } from './writer-queue';

export interface PoolOptions {
  readers: number;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
}

interface ReaderSlot {
  connection: Promise<SqliteConnection>;
  busy: number;
}

const PLAN_CACHE_SIZE = 256;

/**
 * The connections of one database file: one writer (WAL, writes serialized by a WriterQueue) and
 * up to `readers` read-only connections opened on demand, which read concurrently with the writer.
 */
export class DatabasePool {
  private writer?: Promise<SqliteConnection>;
  private readonly readers: ReaderSlot[] = [];
  private readonly queue = new WriterQueue();
  private readonly plans = new Map<string, StatementPlan>();
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
    return this.queue.depth;
  }

  /** Opens the writer, creating the file in WAL mode if it does not exist. */
  async open(): Promise<void> {
    await this.track(() => this.writerConnection());
  }

  /** Runs `task` on the writer after every write queued before it. */
  write<T>(task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    return this.track(() => this.queue.run(async () => task(await this.writerConnection())));
  }

  /** Runs `task` on the least busy reader, opening another while fewer than `readers` are open. */
  read<T>(task: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    return this.track(async () => {
      await this.writerConnection(); // the file and its WAL exist before a read-only open
      const slot = this.pickReader();
      slot.busy++;
      try {
        return await task(await slot.connection);
      } finally {
        slot.busy--;
      }
    });
  }

  /** How SQLite will run `sql` (from its bytecode), cached per statement text. */
  async plan(sql: string, firstKeyword: string): Promise<StatementPlan> {
    if (firstKeyword === 'EXPLAIN') return EXPLAIN_STATEMENT_PLAN;
    const cached = this.plans.get(sql);
    if (cached) return cached;
    const program = (await this.read((connection) => connection.all(`EXPLAIN ${sql}`))) as unknown as Instruction[];
    const plan = planFromInstructions(program);
    if (this.plans.size >= PLAN_CACHE_SIZE) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(sql, plan);
    return plan;
  }

  /** Waits for running operations, checkpoints the WAL into the database file and closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    const readers = this.readers.splice(0);
    await Promise.allSettled(readers.map(async (slot) => (await slot.connection).close()));
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
    if (this.closed) throw new SqliteError('SQLITE_MISUSE', `The pool of database '${this.name}' is closed.`);
    this.active++;
    try {
      return await operation();
    } finally {
      this.active--;
      if (this.active === 0) this.drained?.();
    }
  }

  private writerConnection(): Promise<SqliteConnection> {
    if (!this.writer) {
      const opening = this.driver.open(this.file, { readOnly: false, busyTimeoutMs: this.options.busyTimeoutMs, synchronous: this.options.synchronous });
      // A failed open is not cached: the next operation tries again.
      opening.catch(() => {
        if (this.writer === opening) this.writer = undefined;
      });
      this.writer = opening;
    }
    return this.writer;
  }

  private pickReader(): ReaderSlot {
    const idle = this.readers.find((slot) => slot.busy === 0);
    if (idle) return idle;
    if (this.readers.length < this.options.readers) {
      const slot: ReaderSlot = {
        connection: this.driver.open(this.file, { readOnly: true, busyTimeoutMs: this.options.busyTimeoutMs, synchronous: this.options.synchronous }),
        busy: 0,
      };
      slot.connection.catch(() => {
        const index = this.readers.indexOf(slot);
        if (index !== -1) this.readers.splice(index, 1);
      });
      this.readers.push(slot);
      return slot;
    }
    return this.readers.reduce((least, slot) => (slot.busy < least.busy ? slot : least));
  }
}
