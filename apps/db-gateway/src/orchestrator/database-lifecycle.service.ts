import { Injectable, Logger } from '@nestjs/common';
import {
  DatabaseDetailsDto,
  DatabaseSummaryDto,
  DeleteDatabaseResponseDto,
  ErrorCode,
  PruneDatabaseResponseDto,
  SpawnDatabaseResponseDto,
  UndeleteDatabaseResponseDto,
} from '@dbforge/contracts';
import { rename, stat } from 'node:fs/promises';
import { DatabaseReader } from '../backup/database-reader';
import { ValidatedUploads } from '../backup/validated-uploads';
import { ReplicationService } from '../replication/replication.service';
import type { UploadSource } from '../backup/upload-source';
import { CatalogEntry, newDatabaseId } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain.error';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { withSqlErrors } from '../data-plane/sql-error.translator';
import { DatabaseTrash } from './database-trash';
import { ContainerRuntime, WorkerInfo } from './runtime/container-runtime.port';

export interface SpawnOutcome {
  /** False when the database was already active (v1 answers 200 instead of 201). */
  created: boolean;
  body: SpawnDatabaseResponseDto;
}

/** What a database starts from: a new empty file (or its own, after a prune), a validated upload, or a copy back from the trash. */
type SpawnSource = { from: 'spawn' } | { from: 'upload'; file: string } | { from: 'trash'; id?: string; createdAt: string | null };

const taken = (message: string) => new DomainError(ErrorCode.DATABASE_EXISTS, message);

/**
 * The life of a database: spawn (empty, from an upload, back from the trash), prune, delete into the
 * trash, list, describe. Each change runs under the database's lock and is undone on failure: data
 * directory, worker, file, catalog.
 */
@Injectable()
export class DatabaseLifecycleService {
  private readonly logger = new Logger(DatabaseLifecycleService.name);

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly pools: ConnectionPoolService,
    private readonly runtime: ContainerRuntime,
    private readonly locks: DatabaseLocks,
    private readonly uploads: ValidatedUploads,
    private readonly trash: DatabaseTrash,
    private readonly clock: Clock,
    private readonly replication: ReplicationService,
    private readonly reader: DatabaseReader,
  ) {}

  /**
   * A spawn request. With a body of an upload media type (a SQLite file, or `application/sql`) the new
   * database starts with that content and an existing one is never overwritten; otherwise (no body,
   * JSON, `text/plain`, anything else) exactly the v1 spawn, which ignores the body.
   */
  async spawn(name: string, upload?: UploadSource): Promise<SpawnOutcome> {
    if (!upload || !this.uploads.isSpawnUpload(upload)) return this.locks.run(name, () => this.start(name, { from: 'spawn' }));
    const kind = this.uploads.kindOf(upload);
    this.layout.directoryOf(name); // INVALID_DATABASE_NAME before reading the body
    this.refuseTakenName(name, 'upload'); // before reading a possibly large body; again under the lock
    return this.uploads.receive(upload, kind, (file) => this.locks.run(name, () => this.start(name, { from: 'upload', file })));
  }

  /**
   * A branch: spawns `name` from the continuous replica of `from` as it was at `timestamp` (without
   * one, its latest state: a copy of it when it is active, else its latest shipped state). Afterwards
   * it is an ordinary database; `from` is not touched.
   */
  branch(name: string, from: string, timestamp?: Date): Promise<SpawnOutcome> {
    this.replication.requireEnabled();
    this.layout.directoryOf(name); // INVALID_DATABASE_NAME
    this.layout.directoryOf(from);
    this.refuseTakenName(name, 'upload');
    // The latest state of an active database is its own: a consistent copy of it, exact to the last commit.
    const live = !timestamp && this.catalog.find(from)?.status === 'active';
    return this.uploads.fromProduced(
      live ? `A copy of '${from}'` : `The replica of '${from}'`,
      (file) => (live ? this.reader.copy(from, file) : this.replication.restore(from, file, timestamp)),
      (file) => this.locks.run(name, () => this.start(name, { from: 'upload', file })),
    );
  }

  /** Brings back a database this gateway does not have from its replica alone (a lost machine's): its latest shipped state. */
  recover(name: string): Promise<SpawnOutcome> {
    return this.branch(name, name);
  }

  prune(name: string): Promise<PruneDatabaseResponseDto> {
    return this.locks.run(name, async () => {
      await this.takeOutOfService(this.catalog.requireActive(name), this.clock.now());
      this.logger.log(`Pruned '${name}'; its data is kept.`);
      return { message: 'Database instance pruned successfully.', db_name: name };
    });
  }

  /**
   * Order: worker removed, catalog marks it pruned (requests get 404 at once), pool closed (checkpointed),
   * directory moved into the trash, catalog entry removed. A crash before the move leaves a pruned
   * database with its data in place; after it, start-up removes the stale entry (see DatabaseTrash).
   */
  delete(name: string): Promise<DeleteDatabaseResponseDto> {
    return this.locks.run(name, async () => {
      const entry = this.catalog.find(name);
      if (!entry) throw DomainError.databaseNotFound();
      this.layout.directoryOf(name); // validates the name
      const deletedAt = this.clock.now();
      await this.takeOutOfService(entry, deletedAt);
      const trashed = await this.trash.moveIn(entry, deletedAt);
      await this.catalog.remove(name);
      this.logger.log(`Deleted '${name}'${trashed.moved ? ` into the trash as ${trashed.trashId}` : ' (it had no data directory)'}.`);
      return this.trash.receipt(entry, trashed, deletedAt);
    });
  }

  /** Brings back the newest trashed copy of `name` and spawns it, as the database it was (its keys work again). */
  undelete(name: string): Promise<UndeleteDatabaseResponseDto> {
    this.layout.directoryOf(name); // validates the name
    return this.locks.run(name, async () => {
      this.refuseTakenName(name, 'trash');
      const newest = await this.trash.newest(name);
      if (await this.directoryExists(name)) throw taken(`A data directory for '${name}' exists; spawn it instead of undeleting.`);
      const copy = await this.trash.takeOut(newest);
      let spawned: SpawnOutcome;
      try {
        // A copy trashed before databases had an identity comes back as a new one (its old keys stay dead).
        spawned = await this.start(name, { from: 'trash', id: copy.id, createdAt: copy.created_at });
      } catch (error) {
        await this.trash.putBack(copy);
        throw error;
      }
      this.logger.log(`Undeleted '${name}' from ${copy.trash_id}.`);
      return { message: 'Database restored from the trash.', db_name: name, trash_id: copy.trash_id, container_id: spawned.body.container_id };
    });
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
      replication: entry.status === 'active' ? this.replication.stateOf(name) : null,
      file: { size_bytes: file.database, wal_size_bytes: file.wal, missing: file.missing },
    };
  }

  /**
   * The one place that decides whether `name` is taken, and says so for the way the caller wanted to
   * make the database. Names are unique regardless of case; a plain spawn of an existing name is
   * not refused (it answers "already exists" or brings a pruned database back).
   */
  private refuseTakenName(name: string, purpose: SpawnSource['from']): CatalogEntry | undefined {
    const otherSpelling = this.catalog.findOtherSpelling(name);
    if (otherSpelling) throw taken(`Database '${otherSpelling.name}' exists; names are unique regardless of case.`);
    const existing = this.catalog.find(name);
    if (existing && purpose === 'upload') {
      throw taken(`Database '${name}' already exists (running or pruned); spawning from an upload never overwrites. Use POST /admin/databases/${name}/restore.`);
    }
    if (existing && purpose === 'trash') throw taken(`Database '${name}' exists; delete it before undeleting its trashed copy.`);
    return existing;
  }

  /** Spawns `name` from `source`, under its lock: directory, file, worker, catalog entry; all undone on failure. */
  private async start(name: string, source: SpawnSource): Promise<SpawnOutcome> {
    const existing = this.refuseTakenName(name, source.from);
    if (existing?.status === 'active') {
      return {
        created: false,
        body: { message: 'Database instance already exists and is running.', db_name: name, container_id: existing.workerId },
      };
    }
    const createdDirectory = await this.layout.prepareDirectory(name);
    if (source.from === 'upload' && !createdDirectory) throw taken(`A data directory for '${name}' already exists; spawning from an upload never overwrites.`);
    let hadWorker = true;
    try {
      if (source.from === 'upload') await rename(source.file, this.layout.fileOf(name));
      // A new database gets its file here, in WAL mode; a pruned one must still have its own. Then the
      // worker, which may replicate that file (and so must find it).
      await withSqlErrors(() => this.pools.use(name, (pool) => pool.open({ create: !existing && source.from !== 'upload' })));
      hadWorker = (await this.runtime.inspect(name)).state !== 'missing';
      const worker = await this.runtime.start(name);
      const now = this.clock.now().toISOString();
      await this.catalog.save({
        id: existing?.id ?? (source.from === 'trash' ? source.id : undefined) ?? newDatabaseId(),
        name,
        status: 'active',
        createdAt: existing?.createdAt ?? (source.from === 'trash' ? source.createdAt : null) ?? now,
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
  }

  /**
   * What prune and delete share, under the database's lock: the worker goes (if any), the catalog marks
   * the database pruned (new requests get 404 at once), then its pool drains, checkpoints and closes.
   */
  private async takeOutOfService(entry: CatalogEntry, at: Date): Promise<void> {
    if (entry.status === 'active') await this.runtime.remove(entry.name);
    await this.catalog.save({ ...entry, status: 'pruned', workerId: null, updatedAt: at.toISOString() });
    await this.pools.close(entry.name);
  }

  private directoryExists(name: string): Promise<boolean> {
    return stat(this.layout.directoryOf(name)).then(
      () => true,
      () => false,
    );
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
