import { Injectable } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteConnection, SqliteDriver } from '../sqlite/sqlite.port';
import { CatalogEntry, DatabaseStatus, newDatabaseId } from './catalog-entry';
import { CatalogRepository } from './catalog.repository';
import { DatabaseLayout } from './database-layout';

interface CatalogRow {
  id: string | null;
  name: string;
  status: DatabaseStatus;
  created_at: string;
  updated_at: string;
  worker_id: string | null;
  runtime: string;
}

/** The catalog in `<data>/.dbforge/catalog.db`, written with synchronous=FULL: a spawn once answered is never forgotten. */
@Injectable()
export class SqliteCatalogRepository extends CatalogRepository {
  private connection?: SqliteConnection;

  constructor(
    private readonly driver: SqliteDriver,
    private readonly layout: DatabaseLayout,
  ) {
    super();
  }

  async open(): Promise<CatalogEntry[]> {
    await mkdir(this.layout.stateDir, { recursive: true });
    this.connection = await this.driver.open(join(this.layout.stateDir, 'catalog.db'), {
      readOnly: false,
      create: true,
      busyTimeoutMs: 5000,
      synchronous: 'FULL',
    });
    await this.connection.exec(`CREATE TABLE IF NOT EXISTS databases (
      name TEXT PRIMARY KEY,
      status TEXT NOT NULL CHECK (status IN ('active', 'pruned')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      worker_id TEXT,
      runtime TEXT NOT NULL,
      id TEXT
    )`);
    // Catalogs written before databases had an identity get one now, once.
    const columns = await this.connection.all("SELECT name FROM pragma_table_info('databases')");
    if (!columns.some((column) => column.name === 'id')) await this.connection.exec('ALTER TABLE databases ADD COLUMN id TEXT');
    for (const { name } of await this.connection.all('SELECT name FROM databases WHERE id IS NULL')) {
      await this.connection.run('UPDATE databases SET id = ? WHERE name = ?', [newDatabaseId(), name as string]);
    }
    const rows = (await this.connection.all('SELECT * FROM databases ORDER BY created_at, name')) as unknown as CatalogRow[];
    return rows.map((row) => ({
      id: row.id as string,
      name: row.name,
      status: row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      workerId: row.worker_id,
      runtime: row.runtime,
    }));
  }

  async save(entry: CatalogEntry): Promise<void> {
    if (!this.connection) throw new Error('Catalog is not open.');
    await this.connection.run(
      `INSERT INTO databases (name, status, created_at, updated_at, worker_id, runtime, id) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at,
         worker_id = excluded.worker_id, runtime = excluded.runtime, id = excluded.id`,
      [entry.name, entry.status, entry.createdAt, entry.updatedAt, entry.workerId, entry.runtime, entry.id],
    );
  }

  async remove(name: string): Promise<void> {
    if (!this.connection) throw new Error('Catalog is not open.');
    await this.connection.run('DELETE FROM databases WHERE name = ?', [name]);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }
}
