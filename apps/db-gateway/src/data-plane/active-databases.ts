import { Injectable } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service';
import { ConnectionPoolService, PoolLease } from './pool/connection-pool.service';
import { DatabasePool } from './pool/database-pool';
import { withSqlErrors } from './sql-error.translator';

/**
 * The one way a request gets into a database: it must be active (else 404 `Database not found.`),
 * checked in the same tick as the pool lease so that a prune cannot slip in between; the pool is
 * leased (kept from eviction) for the work; SQLite's errors leave as domain errors.
 */
@Injectable()
export class ActiveDatabases {
  constructor(
    private readonly catalog: CatalogService,
    private readonly pools: ConnectionPoolService,
  ) {}

  /** Runs `task` with the pool of the active database `name`. */
  async use<T>(name: string, task: (pool: DatabasePool) => Promise<T>): Promise<T> {
    this.catalog.requireActive(name);
    return withSqlErrors(() => this.pools.use(name, task));
  }

  /**
   * For work that outlives the call, like a stream: leases the pool of the active database `name`
   * and runs `prepare` on it. If `prepare` fails the lease is handed back at once; otherwise the
   * caller keeps it until it calls `release`.
   */
  async lease<T>(name: string, prepare: (pool: DatabasePool) => Promise<T>): Promise<{ lease: PoolLease; prepared: T }> {
    this.catalog.requireActive(name);
    const lease = await this.pools.acquire(name);
    try {
      return { lease, prepared: await withSqlErrors(() => prepare(lease.pool)) };
    } catch (error) {
      lease.release();
      throw error;
    }
  }
}
