import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, RestoreDatabaseResponseDto } from '@dbforge/contracts';
import { copyFile, link, rename, rm, stat } from 'node:fs/promises';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { DomainError } from '../common/domain.error';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { ReplicationService } from '../replication/replication.service';
import { OneOffConnections } from '../sqlite/one-off-connections';
import { sidecarsOf } from '../sqlite/sidecar-files';
import { FILE_MISSING, SqliteError } from '../sqlite/sqlite.port';
import { SnapshotStore } from './snapshot.store';
import { UploadSource } from './upload-source';
import { ValidatedUploads } from './validated-uploads';

/** Gives `file` the second name `copy` (a hard link); a copy where the filesystem has no hard links. */
async function keepAs(file: string, copy: string): Promise<void> {
  try {
    await link(file, copy);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    await copyFile(file, copy);
  }
}

/**
 * Replaces the file of an active database with an uploaded database file, an uploaded SQL dump or
 * one of its snapshots, validated first (see ValidatedUploads) before anything is touched; the
 * replaced version is kept as a `<id>-pre-restore` snapshot; a failure half-way puts the old file back.
 */
@Injectable()
export class RestoreService {
  private readonly logger = new Logger(RestoreService.name);

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly pools: ConnectionPoolService,
    private readonly connections: OneOffConnections,
    private readonly locks: DatabaseLocks,
    private readonly uploads: ValidatedUploads,
    private readonly snapshots: SnapshotStore,
    private readonly replication: ReplicationService,
  ) {}

  async restore(name: string, source: UploadSource): Promise<RestoreDatabaseResponseDto> {
    const kind = this.uploads.kindOf(source);
    this.catalog.requireActive(name); // before reading a possibly large body
    return this.uploads.receive(source, kind, (validated) => this.swapIn(name, validated));
  }

  async restoreSnapshot(name: string, id: string): Promise<RestoreDatabaseResponseDto> {
    this.catalog.requireActive(name);
    return this.uploads.fromSnapshot(name, id, this.layout.snapshotFile(name, id), (validated) => this.swapIn(name, validated));
  }

  /** Restores the database as it was at `timestamp`, from its continuous replica (DBFORGE_REPLICA_URL). */
  async restoreToTime(name: string, timestamp: Date): Promise<RestoreDatabaseResponseDto> {
    this.catalog.requireActive(name);
    this.replication.requireEnabled();
    return this.uploads.fromProduced(
      `The replica of '${name}' at ${timestamp.toISOString()}`,
      (file) => this.replication.restore(name, file, timestamp),
      (validated) => this.swapIn(name, validated),
    );
  }

  /**
   * Under the database's lock, with its pool suspended (new queries wait, running ones finish):
   * checkpoint the old file into one self-contained file, give it a second name in the snapshots
   * (a hard link), then rename the validated file over it and open it in WAL mode. The database's
   * path never lacks a file: a crash at any point leaves the old or the new version in place. Any
   * failure puts the old file back. A database whose file went missing is restored too (that is how
   * it is brought back), with no previous version to keep.
   */
  private swapIn(name: string, validated: string): Promise<RestoreDatabaseResponseDto> {
    return this.locks.run(name, () => this.replication.without(name, () => this.swapInLocked(name, validated)));
  }

  private swapInLocked(name: string, validated: string): Promise<RestoreDatabaseResponseDto> {
    return (async () => {
      this.catalog.requireActive(name); // it may have been pruned while the upload was validated
      const file = this.layout.fileOf(name);
      const id = await this.snapshots.freeId(name, 'pre-restore', new Date());
      const snapshot = this.layout.snapshotFile(name, id);
      const previous = await this.pools.suspend(name, async () => {
        const present = await this.settle(file).then(
          () => true,
          (error: unknown) => {
            if (error instanceof SqliteError && error.code === FILE_MISSING) return false;
            throw error;
          },
        );
        if (present) await keepAs(file, snapshot);
        try {
          await rename(validated, file);
          await this.settle(file).catch((error: unknown) => {
            throw new DomainError(ErrorCode.RESTORE_INVALID, `The new file did not open in place (${error instanceof Error ? error.message : String(error)}); the previous version was put back.`);
          });
        } catch (error) {
          await Promise.all(sidecarsOf(file).map((path) => rm(path, { force: true })));
          if (present) await rename(snapshot, file);
          else await rm(file, { force: true });
          throw error;
        }
        return present ? id : null;
      });
      const { size } = await stat(file);
      this.logger.log(`Restored '${name}' (${size} bytes); ${previous ? `the previous version is snapshot ${previous}` : 'its file had been missing'}.`);
      return { message: 'Database restored successfully.', db_name: name, previous_snapshot: previous, size_bytes: size };
    })();
  }

  /**
   * Opens `file` alone (its pool is suspended), folds the WAL into it and closes it: afterwards the
   * file holds everything and no -wal/-shm is left, so it can be moved as one file. Never creates
   * the file: a missing one fails with FILE_MISSING.
   */
  private async settle(file: string): Promise<void> {
    await this.connections.use(file, { readOnly: false }, async (connection) => {
      const [result] = await connection.all('PRAGMA wal_checkpoint(TRUNCATE)');
      if (result && Number(result.busy) !== 0) throw new DomainError(ErrorCode.DATABASE_BUSY, 'The database file is in use elsewhere; try the restore again.');
      await connection.all('SELECT count(*) FROM sqlite_schema');
    });
    await Promise.all(sidecarsOf(file).map((path) => rm(path, { force: true })));
  }
}
