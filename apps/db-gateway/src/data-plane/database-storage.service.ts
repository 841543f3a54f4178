import { Injectable } from '@nestjs/common';
import { DatabaseStorage, DatabaseTableSummaryDto } from '@dbforge/contracts';
import { stat } from 'node:fs/promises';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { ConnectionPoolService } from './pool/connection-pool.service';
import { OneOffConnections } from '../sqlite/one-off-connections';
import { SqliteConnection } from '../sqlite/sqlite.port';
import { rowCountOf, schemaObjectsOf } from './tables/table-schema';

const UNREADABLE = { tables: null, page_size: null, page_count: null, freelist_count: null };

/** SQLite's figures of one database (tables, pages) and when its files were last written. */
@Injectable()
export class DatabaseStorageService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly pools: ConnectionPoolService,
    private readonly connections: OneOffConnections,
    private readonly layout: DatabaseLayout,
  ) {}

  /**
   * An active database is read through its pool (a reader); a pruned one from its file, opened
   * read-only for this call only, so no pool stays open for it. Figures that cannot be read are null.
   * Whether it is active is checked in the same tick as the pool lease, so a prune or delete cannot slip in between.
   */
  async of(name: string): Promise<DatabaseStorage> {
    const active = this.catalog.find(name)?.status === 'active';
    const figures = await (active ? this.pools.use(name, (pool) => pool.read((connection) => this.read(connection))) : this.readClosed(name)).catch(
      () => UNREADABLE,
    );
    return { ...figures, last_written_at: await this.lastWrittenAt(name) };
  }

  private async readClosed(name: string): Promise<Omit<DatabaseStorage, 'last_written_at'>> {
    const file = this.layout.fileOf(name);
    await stat(file); // never let the read-only open create anything
    return this.connections.use(file, {}, (connection) => this.read(connection));
  }

  private async read(connection: SqliteConnection): Promise<Omit<DatabaseStorage, 'last_written_at'>> {
    const tables: DatabaseTableSummaryDto[] = [];
    for (const { name, type } of await schemaObjectsOf(connection)) tables.push({ name, type, row_count: type === 'table' ? await rowCountOf(connection, name) : null });
    const pragma = async (name: string) => Number((await connection.all(`SELECT * FROM pragma_${name}()`))[0][name]);
    return { tables, page_size: await pragma('page_size'), page_count: await pragma('page_count'), freelist_count: await pragma('freelist_count') };
  }

  /** The newest mtime of the file and its WAL; an empty WAL is left out (opening a database creates one without writing). */
  private async lastWrittenAt(name: string): Promise<string | null> {
    const file = this.layout.fileOf(name);
    const times = await Promise.all(
      [file, `${file}-wal`].map((path) => stat(path).then((info) => (info.size > 0 ? info.mtime.getTime() : null), () => null)),
    );
    const newest = Math.max(...times.filter((time): time is number => time !== null));
    return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
  }
}
