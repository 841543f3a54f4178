import { Injectable } from '@nestjs/common';
import { ErrorCode, isValidDatabaseName } from '@dbforge/contracts';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';

/**
 * Where things live under the data directory: `<data>/<name>/<name>.db` (with its -wal and -shm)
 * per database, so a worker can bind-mount just its own directory, and `<data>/.dbforge/` for
 * the gateway's own state (names cannot start with a dot, so no database can collide with it).
 */
@Injectable()
export class DatabaseLayout {
  constructor(private readonly config: GatewayConfig) {}

  get dataDir(): string {
    return this.config.dataDir;
  }

  get stateDir(): string {
    return join(this.config.dataDir, '.dbforge');
  }

  directoryOf(name: string): string {
    const directory = resolve(this.config.dataDir, this.nameOf(name));
    const inside = relative(this.config.dataDir, directory);
    if (inside === '' || inside.startsWith('..') || inside.includes(sep)) {
      throw new DomainError(ErrorCode.INVALID_DATABASE_NAME, `Invalid database name: ${JSON.stringify(name)}.`);
    }
    return directory;
  }

  /** `name` when it is a valid database name (so it is safe as a path segment), else INVALID_DATABASE_NAME. */
  private nameOf(name: string): string {
    if (!isValidDatabaseName(name)) {
      throw new DomainError(ErrorCode.INVALID_DATABASE_NAME, `Invalid database name: ${JSON.stringify(name)}.`);
    }
    return name;
  }

  fileOf(name: string): string {
    return join(this.directoryOf(name), `${name}.db`);
  }

  /**
   * Snapshots of one database (scheduled, manual, and the version a restore replaced):
   * `<data>/.dbforge/snapshots/<name>/<id>.db`, where `id` is `<UTC yyyyMMddTHHmmssSSSZ>-<reason>`.
   */
  snapshotsDirectory(name: string): string {
    return join(this.stateDir, 'snapshots', this.nameOf(name));
  }

  snapshotFile(name: string, id: string): string {
    if (!/^\d{8}T\d{9}Z-[a-z-]+$/.test(id)) throw new DomainError(ErrorCode.VALIDATION_FAILED, `Invalid snapshot id: ${JSON.stringify(id)}.`);
    return join(this.snapshotsDirectory(name), `${id}.db`);
  }

  /** Deleted databases wait here for their retention period: `<data>/.dbforge/trash/`. */
  get trashDir(): string {
    return join(this.stateDir, 'trash');
  }

  /** Creates the database's directory; true when it did not exist before. */
  async prepareDirectory(name: string): Promise<boolean> {
    const directory = this.directoryOf(name);
    const existed = await stat(directory).then(
      () => true,
      () => false,
    );
    await mkdir(directory, { recursive: true });
    return !existed;
  }

  /** Removes a directory that `prepareDirectory` created for a spawn that then failed. */
  async discardDirectory(name: string): Promise<void> {
    await rm(this.directoryOf(name), { recursive: true, force: true });
  }

  /** Sizes in bytes of the database file and its WAL (0 when absent), and whether the file is missing. */
  async fileSizes(name: string): Promise<{ database: number; wal: number; missing: boolean }> {
    const file = this.fileOf(name);
    const size = (path: string) => stat(path).then((info) => info.size, () => 0);
    const [database, wal, missing] = await Promise.all([size(file), size(`${file}-wal`), this.isFileMissing(name)]);
    return { database, wal, missing };
  }

  /** Whether the database's file is gone (a directory or anything else at its path counts as there). */
  async isFileMissing(name: string): Promise<boolean> {
    return stat(this.fileOf(name)).then(
      () => false,
      (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR',
    );
  }
}
