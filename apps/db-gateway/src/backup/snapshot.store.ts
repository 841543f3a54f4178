import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { ErrorCode, SnapshotDto } from '@dbforge/contracts';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { DomainError } from '../common/domain.error';
import { COMPACT_TIMESTAMP, compactTimestamp, isoOfCompactTimestamp } from '../common/compact-timestamp';
import { busyAsDomainError } from './backup.service';
import { DatabaseReader } from './database-reader';
import { TempFiles } from './temp-files';

/** Why a snapshot was taken: on schedule, on request, or to keep the version a restore replaced. */
export type SnapshotReason = 'scheduled' | 'manual' | 'pre-restore';

const SNAPSHOT_FILE = new RegExp(String.raw`^(${COMPACT_TIMESTAMP})-([a-z-]+)\.db$`);

function snapshotNotFound(): DomainError {
  return new DomainError(ErrorCode.SNAPSHOT_NOT_FOUND, 'Snapshot not found.');
}

/**
 * The snapshots of each database, as files `<data>/.dbforge/snapshots/<db>/<id>.db` (the layout the
 * restore side shares: it adds `pre-restore` ones, listed here like any other). A snapshot is copied
 * to a scratch file and renamed in, so the directory never holds a half-written one.
 */
@Injectable()
export class SnapshotStore {
  private readonly logger = new Logger(SnapshotStore.name);

  constructor(
    private readonly layout: DatabaseLayout,
    private readonly reader: DatabaseReader,
    private readonly temp: TempFiles,
    private readonly locks: DatabaseLocks,
  ) {}

  /** Takes a snapshot of `name` now. */
  async create(name: string, reason: SnapshotReason = 'manual'): Promise<SnapshotDto> {
    await this.reader.requireKnown(name);
    const started = Date.now();
    const scratch = await this.temp.path('snapshot');
    try {
      await this.reader.copy(name, scratch).catch((error: unknown) => Promise.reject(busyAsDomainError(error)));
      // Under the database's lock, so a delete (which moves the snapshots to the trash with the data)
      // is either before this, and the snapshot is refused, or after it, and takes it along.
      const id = await this.locks.run(name, async () => {
        if (!this.reader.isKnown(name)) throw DomainError.databaseNotFound();
        // Named after the moment the copy began: a write after that may be missing from it, so the scheduler counts it as new.
        const free = await this.freeId(name, reason, new Date(started));
        await rename(scratch, this.layout.snapshotFile(name, free));
        return free;
      });
      const snapshot = await this.describe(name, id);
      this.logger.log(`Snapshot ${id} of '${name}' taken: ${snapshot.size_bytes} bytes in ${Date.now() - started} ms.`);
      return snapshot;
    } finally {
      await this.temp.remove(scratch);
    }
  }

  /**
   * The id for a new snapshot of `name` taken at `at` (`<compact time>-<reason>`), its directory made.
   * Two snapshots in the same millisecond: the later one takes the next free millisecond. Callers hold the database's lock.
   */
  async freeId(name: string, reason: SnapshotReason, at: Date): Promise<string> {
    await mkdir(this.layout.snapshotsDirectory(name), { recursive: true });
    for (let time = at.getTime(); ; time++) {
      const id = `${compactTimestamp(new Date(time))}-${reason}`;
      if (!(await this.exists(this.layout.snapshotFile(name, id)))) return id;
    }
  }

  /** Every snapshot of `name`, newest first (404 when the database was never spawned). */
  async list(name: string): Promise<SnapshotDto[]> {
    if (!(await this.known(name))) throw DomainError.databaseNotFound();
    return this.snapshotsOf(name);
  }

  /** The snapshots on disk, newest first; [] when there are none. */
  async snapshotsOf(name: string): Promise<SnapshotDto[]> {
    const files = await readdir(this.layout.snapshotsDirectory(name)).catch(() => [] as string[]);
    const snapshots: SnapshotDto[] = [];
    for (const file of files) {
      if (!SNAPSHOT_FILE.test(file)) continue;
      const snapshot = await this.describe(name, file.slice(0, -'.db'.length)).catch(() => undefined); // deleted meanwhile
      if (snapshot) snapshots.push(snapshot);
    }
    return snapshots.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /** The snapshot's file as a download. */
  async download(name: string, id: string): Promise<StreamableFile> {
    const file = await this.requireSnapshot(name, id);
    const handle = await open(file, 'r').catch(() => Promise.reject(snapshotNotFound()));
    const { size } = await handle.stat();
    return new StreamableFile(createReadStream('', { fd: handle, autoClose: true }), {
      type: 'application/vnd.sqlite3',
      disposition: `attachment; filename="${name}-${id}.db"`,
      length: size,
    });
  }

  async remove(name: string, id: string): Promise<void> {
    const file = await this.requireSnapshot(name, id);
    await rm(file);
    this.logger.log(`Snapshot ${id} of '${name}' deleted.`);
  }

  /** Deletes all but the newest `keep` snapshots of `reason`; the others are never touched. Returns the ids deleted. */
  async prune(name: string, reason: SnapshotReason, keep: number): Promise<string[]> {
    const old = (await this.snapshotsOf(name)).filter((snapshot) => snapshot.reason === reason).slice(keep);
    for (const snapshot of old) await rm(this.layout.snapshotFile(name, snapshot.id), { force: true });
    if (old.length > 0) this.logger.log(`Retention deleted ${old.length} ${reason} snapshot(s) of '${name}'.`);
    return old.map((snapshot) => snapshot.id);
  }

  private async requireSnapshot(name: string, id: string): Promise<string> {
    if (!(await this.known(name))) throw DomainError.databaseNotFound();
    const file = this.layout.snapshotFile(name, id);
    if (!(await this.exists(file))) throw snapshotNotFound();
    return file;
  }

  /** Snapshots outlive a prune, so they stay reachable for any database the catalog knows. */
  private async known(name: string): Promise<boolean> {
    return this.reader.isKnown(name);
  }

  private async describe(name: string, id: string): Promise<SnapshotDto> {
    const match = SNAPSHOT_FILE.exec(`${id}.db`);
    if (!match) throw snapshotNotFound();
    const [, stamp, reason] = match;
    const { size } = await stat(this.layout.snapshotFile(name, id));
    return { id, reason, created_at: isoOfCompactTimestamp(stamp), size_bytes: size };
  }

  private exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }
}
