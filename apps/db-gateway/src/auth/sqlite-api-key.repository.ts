import { Injectable } from '@nestjs/common';
import { ApiKeyScope } from '@dbforge/contracts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseLayout } from '../catalog/database-layout';
import { SqliteConnection, SqliteDriver } from '../sqlite/sqlite.port';
import { ApiKeyRecord } from './api-key-record';
import { ApiKeyRepository } from './api-key.repository';

interface KeyRow {
  id: string;
  database: string;
  database_id: string | null;
  scope: ApiKeyScope;
  name: string | null;
  hash: string;
  created_at: string;
  expires_at: string | null;
}

/** Keys in `<data>/.dbforge/keys.db` (synchronous=FULL: a key shown to a client is never lost, a revoked one never returns). */
@Injectable()
export class SqliteApiKeyRepository extends ApiKeyRepository {
  private connection?: SqliteConnection;

  constructor(
    private readonly driver: SqliteDriver,
    private readonly layout: DatabaseLayout,
  ) {
    super();
  }

  async open(): Promise<ApiKeyRecord[]> {
    await mkdir(this.layout.stateDir, { recursive: true });
    this.connection = await this.driver.open(join(this.layout.stateDir, 'keys.db'), { readOnly: false, create: true, busyTimeoutMs: 5000, synchronous: 'FULL' });
    await this.connection.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      database TEXT NOT NULL,
      scope TEXT NOT NULL CHECK (scope IN ('read', 'read-write')),
      name TEXT,
      hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      database_id TEXT
    )`);
    const columns = await this.connection.all("SELECT name FROM pragma_table_info('api_keys')");
    if (!columns.some((column) => column.name === 'database_id')) await this.connection.exec('ALTER TABLE api_keys ADD COLUMN database_id TEXT');
    const rows = (await this.connection.all('SELECT * FROM api_keys ORDER BY created_at, id')) as unknown as KeyRow[];
    return rows.map((row) => ({
      id: row.id,
      database: row.database,
      databaseId: row.database_id ?? '',
      scope: row.scope,
      name: row.name,
      hash: row.hash,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    }));
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.require().run('INSERT INTO api_keys (id, database, database_id, scope, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      record.id,
      record.database,
      record.databaseId,
      record.scope,
      record.name,
      record.hash,
      record.createdAt,
      record.expiresAt,
    ]);
  }

  async delete(id: string): Promise<void> {
    await this.require().run('DELETE FROM api_keys WHERE id = ?', [id]);
  }

  async adopt(id: string, databaseId: string): Promise<void> {
    await this.require().run('UPDATE api_keys SET database_id = ? WHERE id = ? AND database_id IS NULL', [databaseId, id]);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private require(): SqliteConnection {
    if (!this.connection) throw new Error('Key store is not open.');
    return this.connection;
  }
}
