import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseLayout } from '../catalog/database-layout';

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
  async path(prefix: string): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    return join(this.directory, `${prefix}-${randomBytes(8).toString('hex')}.db`);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true }).catch((error: unknown) => this.logger.warn(`Could not remove ${path}: ${String(error)}`));
  }
}
