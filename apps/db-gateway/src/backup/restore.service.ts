import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, RestoreDatabaseResponseDto } from '@dbforge/contracts';
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { FILE_MISSING, SqliteDriver, SqliteError } from '../sqlite/sqlite.port';
import { DatabaseLifecycleService, SpawnOutcome } from '../orchestrator/database-lifecycle.service';
import { DatabaseLocks } from '../catalog/database-locks';
import { DatabaseFileValidator } from './database-file.validator';
import { UPLOAD_MEDIA_TYPES, UploadKind, UploadSource, charsetOf, mediaTypeOf, spawnUploadKindOf, uploadKindOf } from './upload-source';
import { receiveUpload, tempPath } from './upload-stream';

/** `<UTC yyyyMMddTHHmmssSSSZ>`, the time part of a snapshot id. */
function snapshotStamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

const sidecars = (file: string) => [`${file}-wal`, `${file}-shm`, `${file}-journal`];

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
 * Replaces a database's file with an uploaded database file, an uploaded SQL dump or one of its
 * snapshots; spawns a database from an upload. The new content is received into `<data>/.dbforge/tmp/`
 * and validated completely (header, integrity, a write probe) before anything is touched; the
 * replaced version is kept as a `<id>-pre-restore` snapshot; a failure half-way puts the old file back.
 */
@Injectable()
export class RestoreService {
  private readonly logger = new Logger(RestoreService.name);

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly pools: ConnectionPoolService,
    private readonly driver: SqliteDriver,
    private readonly locks: DatabaseLocks,
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly validator: DatabaseFileValidator,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * A spawn request: with a body of an upload media type (a SQLite file, or `application/sql`), spawn
   * from it; otherwise (no body, JSON, `text/plain`, anything else) exactly the v1 spawn, which ignores the body.
   */
  spawn(name: string, source: UploadSource): Promise<SpawnOutcome> {
    const upload = source.hasBody && spawnUploadKindOf(source.contentType) !== undefined;
    return upload ? this.spawnFromUpload(name, source) : this.lifecycle.spawn(name);
  }

  async restore(name: string, source: UploadSource): Promise<RestoreDatabaseResponseDto> {
    const kind = this.kindOf(source);
    this.catalog.requireActive(name); // before reading a possibly large body
    return this.withTempFiles(async (temp) => {
      const validated = await this.receiveAndValidate(source, kind, temp);
      return this.swapIn(name, validated);
    });
  }

  async restoreSnapshot(name: string, id: string): Promise<RestoreDatabaseResponseDto> {
    this.catalog.requireActive(name);
    const snapshot = this.layout.snapshotFile(name, id);
    return this.withTempFiles(async (temp) => {
      const copy = await temp('.db');
      try {
        await copyFile(snapshot, copy);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new DomainError(ErrorCode.SNAPSHOT_NOT_FOUND, `Snapshot ${JSON.stringify(id)} of database '${name}' not found.`);
        }
        throw error;
      }
      await this.validator.validateFile(copy, `Snapshot ${id}`);
      return this.swapIn(name, copy);
    });
  }

  /** Spawns `name` with the uploaded content; a failed validation leaves no directory, worker or catalog entry. */
  async spawnFromUpload(name: string, source: UploadSource): Promise<SpawnOutcome> {
    const kind = this.kindOf(source);
    this.layout.directoryOf(name); // INVALID_DATABASE_NAME before reading the body
    if (this.catalog.find(name)) throw this.alreadyExists(name);
    return this.withTempFiles(async (temp) => {
      const validated = await this.receiveAndValidate(source, kind, temp);
      return this.lifecycle.spawn(name, async (file) => {
        if (this.catalog.find(name)) throw this.alreadyExists(name);
        await rename(validated, file);
      });
    });
  }

  private alreadyExists(name: string): DomainError {
    return new DomainError(
      ErrorCode.DATABASE_EXISTS,
      `Database '${name}' already exists (running or pruned); spawning from an upload never overwrites. Use POST /admin/databases/${name}/restore.`,
    );
  }

  private kindOf(source: UploadSource): UploadKind {
    const kind = uploadKindOf(source.contentType);
    if (!kind) {
      const shown = mediaTypeOf(source.contentType) || 'none';
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Unsupported content type (${shown}) for an upload; use one of: ${UPLOAD_MEDIA_TYPES.join(', ')}.`);
    }
    const encoding = source.contentEncoding.trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Content-Encoding ${encoding} is not accepted for an upload; send the file as it is.`);
    }
    const charset = charsetOf(source.contentType);
    if (kind === 'sql' && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      throw new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `An SQL dump must be UTF-8, not ${charset}.`);
    }
    return kind;
  }

  /** Receives the body into a temp file and returns the path of a validated database file. */
  private async receiveAndValidate(source: UploadSource, kind: UploadKind, temp: (suffix: string) => Promise<string>): Promise<string> {
    const upload = await temp(kind === 'sql' ? '.sql' : '.db');
    await receiveUpload(source, upload, this.config.maxRestoreBytes);
    if (kind === 'file') {
      await this.validator.validateFile(upload);
      return upload;
    }
    const built = await temp('.db');
    await this.validator.buildFromDump(upload, built);
    return built;
  }

  /** Runs `work` with a maker of temp paths; every temp file (and its sidecars) is gone afterwards. */
  private async withTempFiles<T>(work: (temp: (suffix: string) => Promise<string>) => Promise<T>): Promise<T> {
    const made: string[] = [];
    const directory = join(this.layout.stateDir, 'tmp');
    try {
      return await work(async (suffix) => {
        const path = await tempPath(directory, suffix);
        made.push(path);
        return path;
      });
    } finally {
      await Promise.all(made.flatMap((path) => [path, ...sidecars(path)]).map((path) => rm(path, { force: true })));
    }
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
    return this.locks.run(name, async () => {
      this.catalog.requireActive(name); // it may have been pruned while the upload was validated
      const file = this.layout.fileOf(name);
      await mkdir(this.layout.snapshotsDirectory(name), { recursive: true });
      const id = await this.freeSnapshotId(name);
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
          await Promise.all(sidecars(file).map((path) => rm(path, { force: true })));
          if (present) await rename(snapshot, file);
          else await rm(file, { force: true });
          throw error;
        }
        return present ? id : null;
      });
      const { size } = await stat(file);
      this.logger.log(`Restored '${name}' (${size} bytes); ${previous ? `the previous version is snapshot ${previous}` : 'its file had been missing'}.`);
      return { message: 'Database restored successfully.', db_name: name, previous_snapshot: previous, size_bytes: size };
    });
  }

  /**
   * Opens `file` alone (its pool is suspended), folds the WAL into it and closes it: afterwards the
   * file holds everything and no -wal/-shm is left, so it can be moved as one file. Never creates
   * the file: a missing one fails with FILE_MISSING.
   */
  private async settle(file: string): Promise<void> {
    const connection = await this.driver.open(file, { readOnly: false, busyTimeoutMs: this.config.busyTimeoutMs, synchronous: this.config.synchronous });
    try {
      const [result] = await connection.all('PRAGMA wal_checkpoint(TRUNCATE)');
      if (result && Number(result.busy) !== 0) throw new DomainError(ErrorCode.DATABASE_BUSY, 'The database file is in use elsewhere; try the restore again.');
      await connection.all('SELECT count(*) FROM sqlite_schema');
    } finally {
      await connection.close();
    }
    await Promise.all(sidecars(file).map((path) => rm(path, { force: true })));
  }

  private async freeSnapshotId(name: string): Promise<string> {
    for (;;) {
      const id = `${snapshotStamp(new Date())}-pre-restore`;
      const taken = await stat(this.layout.snapshotFile(name, id)).then(
        () => true,
        () => false,
      );
      if (!taken) return id;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
