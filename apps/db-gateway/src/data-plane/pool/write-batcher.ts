import { SqliteConnection, SqliteError } from '../../sqlite/sqlite.port';

/**
 * How a write runs: `statement` is one statement (atomic by itself); `transaction` needs several
 * statements to commit together or not at all; `exclusive` cannot run inside a transaction (VACUUM);
 * `held` lends the writer out to an interactive transaction until its task settles (never batched,
 * not timed as a whole: its holder bounds it and times each statement).
 */
export type WriteMode = 'statement' | 'transaction' | 'exclusive' | 'held';

export type WriteTask<T> = (connection: SqliteConnection) => Promise<T>;

interface Pending {
  task: WriteTask<unknown>;
  mode: WriteMode;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Set while the write waits behind a held writer: it gives up when this fires. */
  waitTimer?: NodeJS.Timeout;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const MAX_BATCH = 256;

/**
 * Serializes a database's writes on its one writer connection (no client ever meets SQLITE_BUSY from
 * another request) and commits the writes that queued up while one was running together: one
 * transaction per batch, each multi-statement write in its own savepoint, so a failing write rolls
 * back alone. Nobody is answered before the batch's COMMIT. Should the batch's transaction itself
 * fail, its successful writes are run again one by one, so a neighbour's failure never loses them.
 */
export class WriteBatcher {
  private readonly pending: Pending[] = [];
  private running = false;
  /** A `held` task has the writer (an interactive transaction is open). */
  private holding = false;

  constructor(
    private readonly connection: () => Promise<SqliteConnection>,
    /** Runs one task with the statement timeout. */
    private readonly timed: <T>(connection: SqliteConnection, task: WriteTask<T>) => Promise<T>,
    /** Runs on the writer after each write or batch has committed (or failed), before its callers are answered. */
    private readonly afterWrite: (connection: SqliteConnection) => Promise<void> = async () => undefined,
    /**
     * How long a write may wait while an interactive transaction holds the writer (or is queued ahead
     * of it) before it gives up with SQLITE_BUSY; 0: as long as the transaction lasts.
     */
    private readonly heldWaitMs = 0,
  ) {}

  /** Writes waiting or running. */
  get depth(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  submit<T>(task: WriteTask<T>, mode: WriteMode): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const item: Pending = { task: task as WriteTask<unknown>, mode, resolve: resolve as (value: unknown) => void, reject };
      this.pending.push(item);
      if (this.holding || this.pending.some((other) => other !== item && other.mode === 'held')) this.boundWait(item);
      if (!this.running) void this.drain();
    });
  }

  /** The write gives up with SQLITE_BUSY if it is still queued after `heldWaitMs`. */
  private boundWait(item: Pending): void {
    if (this.heldWaitMs <= 0 || item.waitTimer) return;
    item.waitTimer = setTimeout(() => {
      const index = this.pending.indexOf(item);
      if (index === -1) return;
      this.pending.splice(index, 1);
      item.reject(
        new SqliteError('SQLITE_BUSY', `an interactive transaction held the database's writer for the ${this.heldWaitMs} ms this write may wait (DBFORGE_TRANSACTION_WAIT_MS)`),
      );
    }, this.heldWaitMs);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.takeBatch();
        let connection: SqliteConnection;
        try {
          connection = await this.connection();
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        if (batch.length === 1) await this.runAlone(connection, batch[0]);
        else await this.runTogether(connection, batch);
      }
    } finally {
      this.running = false;
    }
  }

  /** The next exclusive write alone, or up to MAX_BATCH writes that may share a transaction. */
  private takeBatch(): Pending[] {
    const alone = (item: Pending) => item.mode === 'exclusive' || item.mode === 'held';
    let size = 0;
    if (alone(this.pending[0])) size = 1;
    else while (size < this.pending.length && size < MAX_BATCH && !alone(this.pending[size])) size++;
    const batch = this.pending.splice(0, size);
    for (const item of batch) clearTimeout(item.waitTimer);
    return batch;
  }

  private async runAlone(connection: SqliteConnection, item: Pending): Promise<void> {
    const outcome = await this.attempt(() => {
      if (item.mode === 'transaction') return this.inTransaction(connection, item.task);
      if (item.mode === 'held') return this.held(connection, item.task);
      return this.timed(connection, item.task);
    });
    await this.afterWrite(connection);
    settle(item, outcome);
  }

  /** Lends the writer to `task` until it settles; whatever queues meanwhile waits at most `heldWaitMs`. */
  private async held(connection: SqliteConnection, task: WriteTask<unknown>): Promise<unknown> {
    this.holding = true;
    for (const item of this.pending) this.boundWait(item);
    try {
      return await task(connection);
    } finally {
      this.holding = false;
      // Should the holder have left a transaction open, it must not swallow the writes that follow.
      await connection.exec('ROLLBACK').catch(() => undefined);
    }
  }

  private async runTogether(connection: SqliteConnection, batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    /** Writes that succeeded inside a transaction SQLite then rolled back: they run again alone. */
    const lost = new Set<number>();
    try {
      await connection.exec('BEGIN IMMEDIATE');
    } catch {
      for (const item of batch) await this.runAlone(connection, item);
      return;
    }
    for (const item of batch) {
      const outcome = await this.attempt(() => (item.mode === 'transaction' ? this.inSavepoint(connection, item.task) : this.timed(connection, item.task)));
      outcomes.push(outcome);
      if (!outcome.ok && (await this.transactionWasLost(connection))) {
        // An interrupt, or a statement's ON CONFLICT ROLLBACK, ended the whole transaction.
        outcomes.forEach((earlier, earlierIndex) => earlier.ok && lost.add(earlierIndex));
      }
    }
    try {
      await connection.exec('COMMIT');
    } catch {
      // It would not commit: undo what is left and give each successful write its own transaction.
      await connection.exec('ROLLBACK').catch(() => undefined);
      outcomes.forEach((outcome, index) => outcome.ok && lost.add(index));
    }
    if (lost.size < batch.length) await this.afterWrite(connection);
    for (const [index, item] of batch.entries()) {
      if (lost.has(index)) await this.runAlone(connection, item);
      else settle(item, outcomes[index]);
    }
  }

  /**
   * After a failed write: is the batch's transaction gone? `BEGIN` fails inside a transaction; if it
   * succeeds, the old one was rolled back and the rest of the batch continues in the new one.
   */
  private async transactionWasLost(connection: SqliteConnection): Promise<boolean> {
    try {
      await connection.exec('BEGIN IMMEDIATE');
      return true;
    } catch {
      return false;
    }
  }

  private async inTransaction<T>(connection: SqliteConnection, task: WriteTask<T>): Promise<T> {
    await connection.exec('BEGIN IMMEDIATE');
    try {
      const result = await this.timed(connection, task);
      await connection.exec('COMMIT');
      return result;
    } catch (error) {
      await connection.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private async inSavepoint<T>(connection: SqliteConnection, task: WriteTask<T>): Promise<T> {
    await connection.exec('SAVEPOINT dbforge_write');
    try {
      const result = await this.timed(connection, task);
      await connection.exec('RELEASE dbforge_write');
      return result;
    } catch (error) {
      await connection.exec('ROLLBACK TO dbforge_write; RELEASE dbforge_write').catch(() => undefined);
      throw error;
    }
  }

  private async attempt(run: () => Promise<unknown>): Promise<Outcome> {
    try {
      return { ok: true, value: await run() };
    } catch (error) {
      return { ok: false, error };
    }
  }
}

function settle(item: Pending, outcome: Outcome): void {
  if (outcome.ok) item.resolve(outcome.value);
  else item.reject(outcome.error);
}
