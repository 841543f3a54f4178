import { Injectable, Logger } from '@nestjs/common';
import { DatabaseSummaryDto, PruneDatabaseResponseDto, SpawnDatabaseResponseDto } from '@dbforge/contracts';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { KeyedMutex } from '../common/keyed-mutex';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { ContainerRuntime, WorkerState } from './runtime/container-runtime.port';

export interface SpawnOutcome {
  /** False when the database was already active (v1 answers 200 instead of 201). */
  created: boolean;
  body: SpawnDatabaseResponseDto;
}

/** Spawns, prunes and lists databases: catalog, data directory, worker, in that order, undone on failure. */
@Injectable()
export class DatabaseLifecycleService {
  private readonly logger = new Logger(DatabaseLifecycleService.name);
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly pools: ConnectionPoolService,
    private readonly runtime: ContainerRuntime,
  ) {}

  spawn(name: string): Promise<SpawnOutcome> {
    return this.locks.run(name, async () => {
      const existing = this.catalog.find(name);
      if (existing?.status === 'active') {
        return {
          created: false,
          body: { message: 'Database instance already exists and is running.', db_name: name, container_id: existing.workerId },
        };
      }
      const createdDirectory = await this.layout.prepareDirectory(name);
      let worker: WorkerState | undefined;
      try {
        worker = await this.runtime.start({ database: name, directory: this.layout.directoryOf(name) });
        await this.pools.use(name, (pool) => pool.open()); // creates the file, in WAL mode
        const now = new Date().toISOString();
        await this.catalog.save({
          name,
          status: 'active',
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          workerId: worker.id,
          runtime: this.runtime.kind,
        });
      } catch (error) {
        await this.undoSpawn(name, worker, createdDirectory);
        throw error;
      }
      this.logger.log(`Spawned '${name}' (${this.runtime.kind}${worker.id ? `, worker ${worker.id.slice(0, 12)}` : ''}).`);
      return { created: true, body: { message: 'Database instance spawned successfully.', db_name: name, container_id: worker.id } };
    });
  }

  prune(name: string): Promise<PruneDatabaseResponseDto> {
    return this.locks.run(name, async () => {
      const entry = this.catalog.requireActive(name);
      await this.runtime.remove(name, entry.workerId);
      // Catalog first: new requests get 404 at once; then the pool drains, checkpoints and closes.
      await this.catalog.save({ ...entry, status: 'pruned', workerId: null, updatedAt: new Date().toISOString() });
      await this.pools.close(name);
      this.logger.log(`Pruned '${name}'; its data is kept.`);
      return { message: 'Database instance pruned successfully.', db_name: name };
    });
  }

  list(): Promise<DatabaseSummaryDto[]> {
    return Promise.all(this.catalog.listActive().map((entry) => this.summarize(entry)));
  }

  private async summarize(entry: CatalogEntry): Promise<DatabaseSummaryDto> {
    const worker = await this.runtime.inspect(entry.name, entry.workerId);
    return { name: entry.name, container_id: worker.id, status: worker.state, runtime: entry.runtime, created_at: entry.createdAt };
  }

  private async undoSpawn(name: string, worker: WorkerState | undefined, createdDirectory: boolean): Promise<void> {
    await this.pools.close(name);
    if (worker) await this.runtime.remove(name, worker.id).catch((error: unknown) => this.logger.error(`Undoing spawn of '${name}': ${String(error)}`));
    if (createdDirectory) await this.layout.discardDirectory(name);
  }
}
