/**
 * Serializes a database's writes in-process: one runs at a time, in arrival order, so two
 * requests never contend for SQLite's write lock and no client ever sees SQLITE_BUSY from it.
 */
export class WriterQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Writes waiting or running. */
  get depth(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
