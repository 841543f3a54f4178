import { Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DomainError } from '../common/domain.error';
import { OneOffConnections } from '../sqlite/one-off-connections';
import { SqliteConnection } from '../sqlite/sqlite.port';

/**
 * One-off read-only connections for backups, dumps and snapshots. Not a pool reader: a copy of a
 * large database may run for minutes, which neither the statement timeout nor the readers that
 * serve queries should have to bear; and a pruned database, which has no pool, can be read too.
 */
@Injectable()
export class DatabaseReader {
  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly connections: OneOffConnections,
  ) {}

  /** Whether the catalog knows `name` (active or pruned). */
  isKnown(name: string): boolean {
    return this.catalog.find(name) !== undefined;
  }

  /** The name when the catalog knows it (active or pruned) and its file exists, else 404 `Database not found.`. */
  async requireKnown(name: string): Promise<string> {
    if (!this.catalog.find(name) || !(await this.fileExists(name))) throw DomainError.databaseNotFound();
    return name;
  }

  /** Opens a read-only connection on `name` (after `requireKnown`); the caller closes it. */
  async open(name: string): Promise<SqliteConnection> {
    await this.requireKnown(name);
    try {
      return await this.connections.open(this.layout.fileOf(name));
    } catch (error) {
      // Deleted (moved to the trash) between the check and the open.
      if (!this.catalog.find(name) || !(await this.fileExists(name))) throw DomainError.databaseNotFound();
      throw error;
    }
  }

  private fileExists(name: string): Promise<boolean> {
    return stat(this.layout.fileOf(name)).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  /** Writes a consistent copy of `name` to `file` (one read snapshot; writers go on meanwhile). */
  async copy(name: string, file: string): Promise<void> {
    const connection = await this.open(name);
    try {
      await connection.copyTo(file);
    } finally {
      await connection.close();
    }
  }
}
