import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { DatabaseLayout } from '../../catalog/database-layout';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { SqliteDriver } from '../../sqlite/sqlite.port';
import { DatabaseClosedError } from './database-closed.error';
import { DatabasePool } from './database-pool';

/** A leased pool: `release` hands it back (once) when the work that outlived a call is over. */
export interface PoolLease {
  pool: DatabasePool;
  release: () => void;
}

interface Lease {
  pool: DatabasePool;
  leases: number;
  /** Called when `leases` drops to 0 (a suspend waits for it). */
  idle?: () => void;
}

/**
 * A pool per database file, opened lazily and kept in least-recently-used order. When more than
 * `maxOpenDatabases` are open, the least recently used idle pools are closed (checkpointing them).
 */
@Injectable()
export class ConnectionPoolService implements OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionPoolService.name);
  private readonly pools = new Map<string, Lease>();
  private readonly closing = new Map<string, Promise<void>>();
  /** Closings asked for by name (prune, delete), as opposed to evictions: who waited on one must not reopen the file. */
  private readonly retired = new WeakSet<Promise<void>>();
  /** Databases whose file is being replaced: new leases wait for these. */
  private readonly suspended = new Map<string, Promise<void>>();

  constructor(
    private readonly driver: SqliteDriver,
    private readonly layout: DatabaseLayout,
    private readonly config: GatewayConfig,
  ) {}

  get openCount(): number {
    return this.pools.size;
  }

  /** Writes waiting or running, over every open database. */
  get writeQueueDepth(): number {
    let depth = 0;
    for (const lease of this.pools.values()) depth += lease.pool.writeQueueDepth;
    return depth;
  }

  /** Runs `task` with the database's pool; the pool cannot be evicted while the task runs. */
  async use<T>(name: string, task: (pool: DatabasePool) => Promise<T>): Promise<T> {
    const { pool, release } = await this.acquire(name);
    try {
      return await task(pool);
    } finally {
      release();
    }
  }

  /** The database's pool, kept from eviction until `release` is called (once): for work that outlives a call, like a stream. */
  async acquire(name: string): Promise<PoolLease> {
    for (;;) {
      const suspended = this.suspended.get(name);
      if (suspended) {
        await suspended; // a restore is replacing the file: wait for it, then open the new one
        continue;
      }
      const closing = this.closing.get(name);
      if (!closing) break;
      await closing;
      // The database was pruned or deleted while this request waited: it must not open it again.
      if (this.retired.has(closing)) throw new DatabaseClosedError(name);
    }
    const lease = this.lease(name);
    let released = false;
    return {
      pool: lease.pool,
      release: () => {
        if (released) return;
        released = true;
        lease.leases--;
        if (lease.leases === 0) lease.idle?.();
        this.evictOverflow();
      },
    };
  }

  /**
   * Runs `work` with the database's file closed: new leases wait (rather than fail) until `work`
   * ends, running ones finish first (open streams are ended: they would hold the file for as long as
   * their client reads), then the pool closes (checkpointing its WAL). Leases after `work` open the
   * file afresh, so `work` may replace it. Not re-entrant: callers hold the database lock.
   */
  async suspend<T>(name: string, work: () => Promise<T>): Promise<T> {
    let resume!: () => void;
    this.suspended.set(name, new Promise<void>((resolve) => (resume = resolve)));
    try {
      const lease = this.pools.get(name);
      if (lease) {
        await lease.pool.endCursors(
          new DomainError(ErrorCode.STREAM_INTERRUPTED, `The database '${name}' was restored while this stream read it: the rows sent are incomplete; read again.`),
        );
        if (lease.leases > 0) await new Promise<void>((resolve) => (lease.idle = resolve));
        this.pools.delete(name);
        await this.shut(lease.pool);
      }
      await this.closing.get(name);
      return await work();
    } finally {
      this.suspended.delete(name);
      resume();
    }
  }

  /** Closes the pool of `name` (after its running operations), checkpointing its WAL. */
  async close(name: string): Promise<void> {
    const lease = this.pools.get(name);
    if (lease) {
      this.pools.delete(name);
      const done = this.shut(lease.pool);
      this.retired.add(done);
      await done;
    }
    await this.closing.get(name);
  }

  async onApplicationShutdown(): Promise<void> {
    const leases = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(leases.map((lease) => this.shut(lease.pool)));
    await Promise.all(this.closing.values());
  }

  private lease(name: string): Lease {
    let lease = this.pools.get(name);
    if (lease) {
      this.pools.delete(name); // re-insert: Map order is the recency order
    } else {
      lease = {
        pool: new DatabasePool(name, this.layout.fileOf(name), this.driver, {
          readers: this.config.poolReaders,
          busyTimeoutMs: this.config.busyTimeoutMs,
          synchronous: this.config.synchronous,
          statementTimeoutMs: this.config.statementTimeoutMs,
          readerWaitMs: this.config.readerWaitMs,
          transactionWaitMs: this.config.transactionWaitMs,
          closeCheckpoint: this.config.replicaUrl ? 'PASSIVE' : 'TRUNCATE',
          maxValueBytes: this.config.maxValueBytes,
        }),
        leases: 0,
      };
    }
    lease.leases++;
    this.pools.set(name, lease);
    this.evictOverflow();
    return lease;
  }

  private evictOverflow(): void {
    if (this.pools.size <= this.config.maxOpenDatabases) return;
    for (const [name, lease] of this.pools) {
      if (this.pools.size <= this.config.maxOpenDatabases) break;
      if (lease.leases > 0) continue;
      this.pools.delete(name);
      void this.shut(lease.pool);
    }
  }

  private shut(pool: DatabasePool): Promise<void> {
    const done = pool
      .close()
      .catch((error: unknown) => this.logger.error(`Closing database '${pool.name}' failed: ${String(error)}`))
      .finally(() => {
        if (this.closing.get(pool.name) === done) this.closing.delete(pool.name);
      });
    this.closing.set(pool.name, done);
    return done;
  }
}
