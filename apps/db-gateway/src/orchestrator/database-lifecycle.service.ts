import { Injectable, Logger } from '@nestjs/common';
import { DatabaseDetailsDto, ErrorCode, DatabaseSummaryDto, PruneDatabaseResponseDto, SpawnDatabaseResponseDto } from '@dbforge/contracts';
import { CatalogEntry, newDatabaseId } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DomainError } from '../common/domain.error';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { withSqlErrors } from '../data-plane/sql-error.translator';
import { DatabaseLocks } from '../catalog/database-locks';
import { ContainerRuntime, WorkerInfo } from './runtime/container-runtime.port';

export interface SpawnOutcome {
  /** False when the database was already active (v1 answers 200 instead of 201). */
  created: boolean;
  body: SpawnDatabaseResponseDto;
}

/** Spawns, prunes, lists and describes databases: data directory, worker, file, catalog; undone on failure. */
@Injectable()
export class DatabaseLifecycleService {
  private readonly logger = new Logger(DatabaseLifecycleService.name);

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly pools: ConnectionPoolService,
    private readonly runtime: ContainerRuntime,
    private readonly locks: DatabaseLocks,
  ) {}

  /**
   * With `install`, the database starts from the file `install` puts at the path it is given
   * (spawn-from-upload). `returning` is the identity of a database coming back from the trash.
   */
  spawn(name: string, install?: (file: string) => Promise<void>, returning?: Pick<CatalogEntry, 'id' | 'createdAt'>): Promise<SpawnOutcome> {
    return this.locks.run(name, async () => {
      const existing = this.catalog.find(name);
      const otherSpelling = this.catalog.findOtherSpelling(name);
      if (otherSpelling) throw new DomainError(ErrorCode.DATABASE_EXISTS, `Database '${otherSpelling.name}' exists; names are unique regardless of case.`);
      if (install && existing) throw new DomainError(ErrorCode.DATABASE_EXISTS, `Database '${name}' already exists (running or pruned); spawning from an upload never overwrites.`);
      if (existing?.status === 'active') {
        return {
          created: false,
          body: { message: 'Database instance already exists and is running.', db_name: name, container_id: existing.workerId },
        };
      }
      const createdDirectory = await this.layout.prepareDirectory(name);
      if (install && !createdDirectory) throw new DomainError(ErrorCode.DATABASE_EXISTS, `A data directory for '${name}' already exists; spawning from an upload never overwrites.`);
      let hadWorker = true;
      try {
        if (install) await install(this.layout.fileOf(name));
        hadWorker = (await this.runtime.inspect(name)).state !== 'missing';
        const worker = await this.runtime.start(name);
        // A new database gets its file here, in WAL mode; a pruned one must still have its own.
        await withSqlErrors(() => this.pools.use(name, (pool) => pool.open({ create: !existing && !install })));
        const now = new Date().toISOString();
        await this.catalog.save({
          id: existing?.id ?? returning?.id ?? newDatabaseId(),
          name,
          status: 'active',
          createdAt: existing?.createdAt ?? returning?.createdAt ?? now,
          updatedAt: now,
          workerId: worker.id,
          runtime: this.runtime.kind,
        });
        this.logger.log(`Spawned '${name}' (${this.runtime.kind}${worker.id ? `, worker ${worker.id.slice(0, 12)}` : ''}).`);
        return { created: true, body: { message: 'Database instance spawned successfully.', db_name: name, container_id: worker.id } };
      } catch (error) {
        await this.undoSpawn(name, !hadWorker, createdDirectory);
        throw error;
      }
    });
  }

  prune(name: string): Promise<PruneDatabaseResponseDto> {
    return this.locks.run(name, async () => {
      await this.takeOutOfService(this.catalog.requireActive(name), new Date());
      this.logger.log(`Pruned '${name}'; its data is kept.`);
      return { message: 'Database instance pruned successfully.', db_name: name };
    });
  }

  /**
   * What prune and delete share, under the database's lock: the worker goes (if any), the catalog marks
   * the database pruned (new requests get 404 at once), then its pool drains, checkpoints and closes.
   */
  async takeOutOfService(entry: CatalogEntry, at: Date): Promise<void> {
    if (entry.status === 'active') await this.runtime.remove(entry.name);
    await this.catalog.save({ ...entry, status: 'pruned', workerId: null, updatedAt: at.toISOString() });
    await this.pools.close(entry.name);
  }

  /** Active databases with their workers' real state; `unknown` while the runtime cannot be asked. */
  async list(): Promise<DatabaseSummaryDto[]> {
    const entries = this.catalog.listActive();
    const workers = await this.runtime.list().then(
      (all) => new Map(all.map((worker) => [worker.database, worker])),
      () => undefined,
    );
    return entries.map((entry) => {
      const worker = workers?.get(entry.name);
      const state = !workers ? 'unknown' : worker?.state ?? 'missing';
      return { name: entry.name, container_id: worker?.id ?? entry.workerId, status: state, runtime: entry.runtime, created_at: entry.createdAt };
    });
  }

  async describe(name: string): Promise<DatabaseDetailsDto> {
    const entry = this.catalog.find(name);
    if (!entry) throw DomainError.databaseNotFound();
    const worker = entry.status === 'active' ? await this.inspectOrUnknown(entry) : undefined;
    const file = await this.layout.fileSizes(name);
    return {
      name: entry.name,
      status: entry.status,
      runtime: entry.runtime,
      created_at: entry.createdAt,
      updated_at: entry.updatedAt,
      container_id: worker?.id ?? null,
      worker: worker
        ? {
            id: worker.id,
            state: worker.state,
            image: worker.image,
            started_at: worker.startedAt,
            limits: worker.limits ? { memory_bytes: worker.limits.memoryBytes, nano_cpus: worker.limits.nanoCpus, pids: worker.limits.pids } : null,
          }
        : null,
      file: { size_bytes: file.database, wal_size_bytes: file.wal, missing: file.missing },
    };
  }

  private async inspectOrUnknown(entry: CatalogEntry): Promise<WorkerInfo> {
    try {
      return await this.runtime.inspect(entry.name);
    } catch {
      return { database: entry.name, id: entry.workerId, state: 'unknown', image: null, startedAt: null, limits: null };
    }
  }

  private async undoSpawn(name: string, removeWorker: boolean, createdDirectory: boolean): Promise<void> {
    await this.pools.close(name);
    if (removeWorker) {
      await this.runtime.remove(name).catch((error: unknown) => this.logger.error(`Undoing spawn of '${name}': ${String(error)}`));
    }
    if (createdDirectory) await this.layout.discardDirectory(name);
  }
}
