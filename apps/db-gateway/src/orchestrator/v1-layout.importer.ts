import { Injectable, Logger } from '@nestjs/common';
import { isValidDatabaseName } from '@dbforge/contracts';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { newDatabaseId } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { ContainerRuntime } from './runtime/container-runtime.port';

/**
 * Adopts a v1 data directory: v1 kept `<name>.db` at the top of the data directory and had no
 * catalog (a file meant a database). Each such file moves, with its -wal and -shm, into
 * `<name>/<name>.db` and becomes an active catalog entry. The journal, WAL and SHM move first and the
 * database file last, so an interrupted import resumes on the next start without losing a page.
 */
@Injectable()
export class V1LayoutImporter {
  private readonly logger = new Logger(V1LayoutImporter.name);

  constructor(
    private readonly layout: DatabaseLayout,
    private readonly catalog: CatalogService,
    private readonly runtime: ContainerRuntime,
  ) {}

  /** Imports every v1 database file; returns the names imported. */
  async importAll(): Promise<string[]> {
    const entries = await readdir(this.layout.dataDir, { withFileTypes: true }).catch(() => []);
    const imported: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.db')) continue;
      const name = entry.name.slice(0, -'.db'.length);
      if (!isValidDatabaseName(name)) {
        this.logger.warn(`Not importing ${entry.name}: "${name}" is not a valid database name.`);
        continue;
      }
      if (await this.importOne(name)) imported.push(name);
    }
    if (imported.length > 0) this.logger.log(`Imported ${imported.length} v1 database(s): ${imported.join(', ')}.`);
    return imported;
  }

  private async importOne(name: string): Promise<boolean> {
    const source = join(this.layout.dataDir, `${name}.db`);
    const target = this.layout.fileOf(name);
    if (existsSync(target)) {
      this.logger.warn(`Not importing ${source}: ${target} already exists; resolve the two by hand.`);
      return false;
    }
    await mkdir(this.layout.directoryOf(name), { recursive: true });
    for (const suffix of ['-journal', '-wal', '-shm', '']) {
      if (existsSync(source + suffix)) await rename(source + suffix, target + suffix);
    }
    if (!this.catalog.find(name)) {
      const created = await stat(target).then((info) => info.mtime.toISOString());
      await this.catalog.save({ id: newDatabaseId(), name, status: 'active', createdAt: created, updatedAt: new Date().toISOString(), workerId: null, runtime: this.runtime.kind });
    }
    return true;
  }
}
