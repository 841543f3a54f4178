import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

/** Runs `sql` in a new database file written by SQLite itself, outside any gateway, and returns its bytes (rollback journal, one file). */
export async function sqliteFile(sql: string): Promise<Buffer> {
  const directory = await mkdtemp(join(tmpdir(), 'dbforge-sqlite-file-'));
  const file = join(directory, 'source.db');
  const db = new sqlite3.Database(file);
  await new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  const bytes = await readFile(file);
  await rm(directory, { recursive: true, force: true });
  return bytes;
}
