import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseLayout } from '../catalog/database-layout';
import { sidecarsOf } from '../sqlite/sidecar-files';

/** Makes fresh paths for scratch files; see `TempFiles.scoped`. */
export type TempPaths = (prefix: string, suffix?: string) => Promise<string>;

/**
 * Scratch files under `<data>/.dbforge/tmp/`: on the data directory's filesystem, so a finished copy
 * is renamed into place in one step. Whatever a crash left there is removed at start-up.
 */
@Injectable()
export class TempFiles implements OnModuleInit {
  private readonly logger = new Logger(TempFiles.name);

  constructor(private readonly layout: DatabaseLayout) {}

  get directory(): string {
    return join(this.layout.stateDir, 'tmp');
  }

  async onModuleInit(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true }).catch((error: unknown) => this.logger.warn(`Could not clear ${this.directory}: ${String(error)}`));
    await mkdir(this.directory, { recursive: true });
  }

  /** A fresh path (nothing created yet) for a scratch file. */
  async path(prefix: string, suffix = '.db'): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    return join(this.directory, `${prefix}-${randomBytes(8).toString('hex')}${suffix}`);
  }

  /** Removes a scratch file and whatever SQLite left beside it. */
  async remove(path: string): Promise<void> {
    await Promise.all([path, ...sidecarsOf(path)].map((file) => rm(file, { force: true }))).catch((error: unknown) => this.logger.warn(`Could not remove ${path}: ${String(error)}`));
  }

  /** Runs `work` with a maker of scratch paths; every file made (and its sidecars) is gone afterwards. */
  async scoped<T>(work: (paths: TempPaths) => Promise<T>): Promise<T> {
    const made: string[] = [];
    try {
      return await work(async (prefix, suffix) => {
        const path = await this.path(prefix, suffix);
        made.push(path);
        return path;
      });
    } finally {
      await Promise.all(made.map((path) => this.remove(path)));
    }
  }
}
