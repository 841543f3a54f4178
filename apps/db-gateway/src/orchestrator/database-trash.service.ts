import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeleteDatabaseResponseDto, ErrorCode, PurgeTrashResponseDto, TrashEntryDto, UndeleteDatabaseResponseDto } from '@dbforge/contracts';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import { DatabaseLocks } from '../catalog/database-locks';

/** Written into a database's directory just before it moves to the trash. */
const MARKER = 'trash.json';
/** The database's snapshots travel with it, in this subdirectory of its trashed copy. */
const SNAPSHOTS = 'snapshots';
const TRASH_ID = /^(.+)-(\d{8}T\d{9}Z)$/;

interface Marker {
  name: string;
  /** The database's identity, so an undeleted database is the same one (its keys work again). */
  id?: string;
  created_at: string | null;
  deleted_at: string;
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const readMarker = (directory: string): Promise<Marker | undefined> =>
  readFile(join(directory, MARKER), 'utf8').then(
    (text) => JSON.parse(text) as Marker,
    () => undefined,
  );

/**
 * Safe delete: a deleted database's directory moves (one atomic rename) to `<data>/.dbforge/trash/<name>-<stamp>/`
 * and its catalog entry goes; it can be undeleted until the sweep purges it after the retention period.
 * The trash directory itself is the record of what was deleted, so it survives restarts with nothing else to keep in step.
 */
@Injectable()
export class DatabaseTrashService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseTrashService.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly locks: DatabaseLocks,
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly config: GatewayConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.repair();
    await this.sweep().catch((error: unknown) => this.logger.error(`Trash sweep: ${String(error)}`));
    this.sweeper = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.error(`Trash sweep: ${String(error)}`)), this.config.trashSweepIntervalMs);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Order: worker removed, catalog marks it pruned (requests get 404 at once), pool closed (checkpointed),
   * marker written, directory renamed into the trash, catalog entry removed. A crash before the rename
   * leaves a pruned database with its data in place; after it, start-up removes the stale entry (see repair).
   */
  delete(name: string): Promise<DeleteDatabaseResponseDto> {
    return this.locks.run(name, async () => {
      const entry = this.catalog.find(name);
      if (!entry) throw DomainError.databaseNotFound();
      const directory = this.layout.directoryOf(name);
      const deletedAt = new Date();
      await this.lifecycle.takeOutOfService(entry, deletedAt);
      const id = `${name}-${deletedAt.toISOString().replace(/[-:.]/g, '')}`;
      let moved = false;
      if (await exists(directory)) {
        const marker: Marker = { name, id: entry.id, created_at: entry.createdAt, deleted_at: deletedAt.toISOString() };
        await writeFile(join(directory, MARKER), JSON.stringify(marker));
        // Its snapshots go with it: purging the copy purges them, and a new database of the name starts with none.
        const snapshots = this.layout.snapshotsDirectory(name);
        if (await exists(snapshots)) await rename(snapshots, join(directory, SNAPSHOTS));
        await mkdir(this.layout.trashDir, { recursive: true });
        await rename(directory, join(this.layout.trashDir, id));
        moved = true;
      }
      await this.catalog.remove(name);
      this.logger.log(`Deleted '${name}'${moved ? ` into the trash as ${id}` : ' (it had no data directory)'}.`);
      const trashed = moved ? await this.entryOf(id) : undefined;
      if (trashed && this.config.trashRetentionHours === 0) await rm(join(this.layout.trashDir, id), { recursive: true, force: true });
      const entryBody = trashed ?? { db_name: name, trash_id: id, deleted_at: deletedAt.toISOString(), purge_after: deletedAt.toISOString(), created_at: entry.createdAt, size_bytes: 0 };
      const purged = !trashed || this.config.trashRetentionHours === 0;
      return { message: purged ? 'Database deleted and purged.' : 'Database moved to the trash.', ...entryBody };
    });
  }

  /** Brings back the newest trashed copy of `name` and spawns it. 409 while a database of that name exists. */
  async undelete(name: string): Promise<UndeleteDatabaseResponseDto> {
    const directory = this.layout.directoryOf(name);
    const copy = await this.locks.run(name, async () => {
      const other = this.catalog.find(name) ?? this.catalog.findOtherSpelling(name);
      if (other && other.name !== name) throw new DomainError(ErrorCode.DATABASE_EXISTS, `Database '${other.name}' exists; names are unique regardless of case.`);
      if (other) {
        throw new DomainError(ErrorCode.DATABASE_EXISTS, `Database '${name}' exists; delete it before undeleting its trashed copy.`);
      }
      const copies = (await this.list()).filter((entry) => entry.db_name === name);
      const newest = copies[copies.length - 1];
      if (!newest) throw new DomainError(ErrorCode.NOT_IN_TRASH, `Nothing in the trash for '${name}'.`);
      if (await exists(directory)) {
        throw new DomainError(ErrorCode.DATABASE_EXISTS, `A data directory for '${name}' exists; spawn it instead of undeleting.`);
      }
      await rename(join(this.layout.trashDir, newest.trash_id), directory);
      const marker = await readMarker(directory);
      await rm(join(directory, MARKER), { force: true });
      await this.restoreSnapshots(name, join(directory, SNAPSHOTS));
      return { ...newest, id: marker?.id };
    });
    let spawned;
    try {
      // A copy trashed before databases had an identity comes back as a new one (its old keys stay dead).
      spawned = await this.lifecycle.spawn(name, undefined, copy.id && copy.created_at ? { id: copy.id, createdAt: copy.created_at } : undefined);
    } catch (error) {
      await this.locks.run(name, async () => {
        if (!this.catalog.find(name)) await rename(directory, join(this.layout.trashDir, copy.trash_id)).catch(() => undefined);
      });
      throw error;
    }
    await this.locks.run(name, async () => {
      const entry = this.catalog.find(name);
      if (entry && copy.created_at && entry.createdAt !== copy.created_at) await this.catalog.save({ ...entry, createdAt: copy.created_at });
    });
    this.logger.log(`Undeleted '${name}' from ${copy.trash_id}.`);
    return { message: 'Database restored from the trash.', db_name: name, trash_id: copy.trash_id, container_id: spawned.body.container_id };
  }

  /** Removes every trashed copy of `name` from disk. */
  purge(name: string): Promise<PurgeTrashResponseDto> {
    this.layout.directoryOf(name); // validates the name
    return this.locks.run(name, async () => {
      const copies = (await this.list()).filter((entry) => entry.db_name === name);
      if (copies.length === 0) throw new DomainError(ErrorCode.NOT_IN_TRASH, `Nothing in the trash for '${name}'.`);
      for (const copy of copies) await rm(join(this.layout.trashDir, copy.trash_id), { recursive: true, force: true });
      this.logger.log(`Purged ${copies.length} trashed cop${copies.length === 1 ? 'y' : 'ies'} of '${name}'.`);
      return { message: `Purged ${copies.length} deleted cop${copies.length === 1 ? 'y' : 'ies'} of ${name}.`, db_name: name, purged: copies.map((copy) => copy.trash_id) };
    });
  }

  /** Every trashed copy, oldest deletion first. */
  async list(): Promise<TrashEntryDto[]> {
    const names = await readdir(this.layout.trashDir).catch(() => [] as string[]);
    const entries: TrashEntryDto[] = [];
    for (const id of names) {
      const entry = await this.entryOf(id);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => a.deleted_at.localeCompare(b.deleted_at) || a.trash_id.localeCompare(b.trash_id));
  }

  /** Purges the copies whose retention ended by `now`; returns their ids. Runs every DBFORGE_TRASH_SWEEP_INTERVAL_MS. */
  async sweep(now: Date = new Date()): Promise<string[]> {
    const purged: string[] = [];
    for (const entry of await this.list()) {
      if (new Date(entry.purge_after).getTime() > now.getTime()) continue;
      await this.locks.run(entry.db_name, () => rm(join(this.layout.trashDir, entry.trash_id), { recursive: true, force: true }));
      purged.push(entry.trash_id);
    }
    if (purged.length > 0) this.logger.log(`Trash sweep purged ${purged.join(', ')}.`);
    return purged;
  }

  /** Moves the snapshots that travelled with a trashed copy back to their place (file by file, should some exist there). */
  private async restoreSnapshots(name: string, from: string): Promise<void> {
    const files = await readdir(from).catch(() => undefined);
    if (!files) return;
    const to = this.layout.snapshotsDirectory(name);
    await mkdir(to, { recursive: true });
    for (const file of files) await rename(join(from, file), join(to, file));
    await rm(from, { recursive: true, force: true });
  }

  /** A crash between the rename and the catalog removal leaves a pruned entry without data but with a trashed copy: forget it. */
  private async repair(): Promise<void> {
    for (const copy of await this.list()) {
      const entry = this.catalog.find(copy.db_name);
      if (entry?.status === 'pruned' && !(await exists(this.layout.directoryOf(copy.db_name)))) {
        await this.catalog.remove(copy.db_name);
        this.logger.warn(`'${copy.db_name}' was deleted when the gateway stopped; its catalog entry is removed now.`);
      }
    }
  }

  private async entryOf(id: string): Promise<TrashEntryDto | undefined> {
    const match = TRASH_ID.exec(id);
    if (!match) return undefined;
    const directory = join(this.layout.trashDir, id);
    const marker = await readMarker(directory);
    const stamp = match[2];
    const deletedAt = marker?.deleted_at ?? `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
    const files = await readdir(directory).catch(() => undefined);
    if (!files) return undefined;
    let size = 0;
    for (const file of files) {
      if (file === MARKER) continue;
      const names = file === SNAPSHOTS ? (await readdir(join(directory, file)).catch(() => [] as string[])).map((snapshot) => join(file, snapshot)) : [file];
      for (const path of names) size += await stat(join(directory, path)).then((info) => info.size, () => 0);
    }
    return {
      db_name: marker?.name ?? match[1],
      trash_id: id,
      deleted_at: deletedAt,
      purge_after: new Date(new Date(deletedAt).getTime() + this.config.trashRetentionHours * 3_600_000).toISOString(),
      created_at: marker?.created_at ?? null,
      size_bytes: size,
    };
  }
}
