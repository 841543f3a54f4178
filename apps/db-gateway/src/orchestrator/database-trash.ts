import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeleteDatabaseResponseDto, ErrorCode, PurgeTrashResponseDto, TrashEntryDto } from '@dbforge/contracts';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { ReplicationService } from '../replication/replication.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { Clock } from '../common/clock';
import { COMPACT_TIMESTAMP, compactTimestamp, isoOfCompactTimestamp } from '../common/compact-timestamp';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';

/** Written into a database's directory just before it moves to the trash. */
const MARKER = 'trash.json';
/** The database's snapshots travel with it, in this subdirectory of its trashed copy. */
const SNAPSHOTS = 'snapshots';
const TRASH_ID = new RegExp(`^(.+)-(${COMPACT_TIMESTAMP})$`);

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

/** A trashed copy taken out of the trash into its database's directory, with the identity it had. */
export interface TakenOutCopy extends TrashEntryDto {
  id?: string;
}

/**
 * The trash of safe delete: a deleted database's directory moves (one atomic rename) to
 * `<data>/.dbforge/trash/<name>-<stamp>/` (the lifecycle service decides when); it can be taken out
 * again until the sweep purges it after the retention period. The trash directory itself is the
 * record of what was deleted, so it survives restarts with nothing else to keep in step.
 */
@Injectable()
export class DatabaseTrash implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseTrash.name);
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly locks: DatabaseLocks,
    private readonly config: GatewayConfig,
    private readonly clock: Clock,
    private readonly replication: ReplicationService,
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
   * Moves the directory of `entry` (out of service already, under its lock) into the trash, with a
   * marker naming it and its snapshots along. Returns its trash id, and whether there was a directory to move.
   */
  async moveIn(entry: CatalogEntry, deletedAt: Date): Promise<{ trashId: string; moved: boolean }> {
    const directory = this.layout.directoryOf(entry.name);
    const trashId = `${entry.name}-${compactTimestamp(deletedAt)}`;
    if (!(await exists(directory))) return { trashId, moved: false };
    const marker: Marker = { name: entry.name, id: entry.id, created_at: entry.createdAt, deleted_at: deletedAt.toISOString() };
    await writeFile(join(directory, MARKER), JSON.stringify(marker));
    // Its snapshots go with it: purging the copy purges them, and a new database of the name starts with none.
    const snapshots = this.layout.snapshotsDirectory(entry.name);
    if (await exists(snapshots)) await rename(snapshots, join(directory, SNAPSHOTS));
    await mkdir(this.layout.trashDir, { recursive: true });
    await rename(directory, join(this.layout.trashDir, trashId));
    return { trashId, moved: true };
  }

  /** What a delete answers; with a retention of 0 the copy is purged here and then. */
  async receipt(entry: CatalogEntry, { trashId, moved }: { trashId: string; moved: boolean }, deletedAt: Date): Promise<DeleteDatabaseResponseDto> {
    const trashed = moved ? await this.entryOf(trashId) : undefined;
    if (trashed && this.config.trashRetentionHours === 0) await rm(join(this.layout.trashDir, trashId), { recursive: true, force: true });
    const entryBody = trashed ?? { db_name: entry.name, trash_id: trashId, deleted_at: deletedAt.toISOString(), purge_after: deletedAt.toISOString(), created_at: entry.createdAt, size_bytes: 0 };
    const purged = !trashed || this.config.trashRetentionHours === 0;
    return { message: purged ? 'Database deleted and purged.' : 'Database moved to the trash.', ...entryBody };
  }

  /** The newest trashed copy of `name`, or NOT_IN_TRASH. */
  async newest(name: string): Promise<TrashEntryDto> {
    const copies = (await this.list()).filter((entry) => entry.db_name === name);
    const newest = copies[copies.length - 1];
    if (!newest) throw new DomainError(ErrorCode.NOT_IN_TRASH, `Nothing in the trash for '${name}'.`);
    return newest;
  }

  /** Moves the trashed copy `copy` back to the directory of its database (which must not exist), snapshots included. */
  async takeOut(copy: TrashEntryDto): Promise<TakenOutCopy> {
    const directory = this.layout.directoryOf(copy.db_name);
    await rename(join(this.layout.trashDir, copy.trash_id), directory);
    const marker = await readMarker(directory);
    await rm(join(directory, MARKER), { force: true });
    await this.restoreSnapshots(copy.db_name, join(directory, SNAPSHOTS));
    return { ...copy, id: marker?.id };
  }

  /** Undoes `takeOut` when the database could not be brought back: its directory returns to the trash. */
  async putBack(copy: TrashEntryDto): Promise<void> {
    await rename(this.layout.directoryOf(copy.db_name), join(this.layout.trashDir, copy.trash_id)).catch(() => undefined);
  }

  /** Removes every trashed copy of `name` from disk. */
  purge(name: string): Promise<PurgeTrashResponseDto> {
    this.layout.directoryOf(name); // validates the name
    return this.locks.run(name, async () => {
      const copies = (await this.list()).filter((entry) => entry.db_name === name);
      if (copies.length === 0) throw new DomainError(ErrorCode.NOT_IN_TRASH, `Nothing in the trash for '${name}'.`);
      for (const copy of copies) await rm(join(this.layout.trashDir, copy.trash_id), { recursive: true, force: true });
      await this.replication.removeReplica(name); // purged is gone everywhere; an undelete, before it, finds the replica kept
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

  /**
   * Purges the copies whose retention ended by the clock's now. Runs at start-up and then every
   * DBFORGE_TRASH_SWEEP_INTERVAL_MS, nowhere else: a test sets the Clock and waits for the timer.
   */
  private async sweep(): Promise<void> {
    const now = this.clock.now();
    const purged: string[] = [];
    for (const entry of await this.list()) {
      if (new Date(entry.purge_after).getTime() > now.getTime()) continue;
      await this.locks.run(entry.db_name, () => rm(join(this.layout.trashDir, entry.trash_id), { recursive: true, force: true }));
      purged.push(entry.trash_id);
    }
    if (purged.length > 0) this.logger.log(`Trash sweep purged ${purged.join(', ')}.`);
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
    const deletedAt = marker?.deleted_at ?? isoOfCompactTimestamp(match[2]);
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
