import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';
import { sqliteFile } from './support/sqlite-file';

const SQLITE = 'application/vnd.sqlite3';

/** A database the catalog has but whose file is gone: as after a crash in the middle of a swap, or a deleted file. */
describe('a database whose file went missing', () => {
  let gateway: TestGateway;
  let dataDir: string;
  const fileOf = (db: string) => join(dataDir, db, `${db}.db`);
  const query = (db: string, sql: string) => gateway.http.post(`/api/db/${db}/query`).send({ sql });
  const removeFiles = async (db: string) => {
    for (const suffix of ['', '-wal', '-shm']) await rm(`${fileOf(db)}${suffix}`, { force: true });
  };

  beforeAll(async () => {
    dataDir = await makeDataDir();
    gateway = await startGateway(dataDir);
    for (const db of ['lost', 'kept', 'gone']) {
      await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
      await query(db, 'CREATE TABLE t (v TEXT)').expect(200);
      await query(db, "INSERT INTO t VALUES ('precious')").expect(200);
    }
    await gateway.http.post('/admin/databases/prune/gone').expect(200);
    // The gateway stops; the files go while it is down (a crash mid-restore, an operator's rm).
    await gateway.close();
    await removeFiles('lost');
    await removeFiles('gone');
    gateway = await startGateway(dataDir);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(dataDir);
  });

  it('answers every query 503 DATABASE_FILE_MISSING with a detail, and never creates the file', async () => {
    const select = await query('lost', 'SELECT * FROM t').expect(503);
    expect(expectError(select.body, 503, 'DATABASE_FILE_MISSING').detail).toBe(
      'The database file is missing: the gateway will not serve an empty database in its place. Restore the database (from an upload or a snapshot) or delete it.',
    );
    expectError((await query('lost', 'CREATE TABLE t (v TEXT)').expect(503)).body, 503, 'DATABASE_FILE_MISSING');
    expectError((await gateway.http.post('/api/db/lost/tables/t/rows').send({ rows: [{ v: 'x' }] }).expect(503)).body, 503, 'DATABASE_FILE_MISSING');
    expectError((await gateway.http.get('/api/db/lost/tables').expect(503)).body, 503, 'DATABASE_FILE_MISSING');
    expectError((await gateway.http.post('/api/db/lost/query').set('Accept', 'application/x-ndjson').send({ sql: 'SELECT 1' }).expect(503)).body, 503, 'DATABASE_FILE_MISSING');
    expect(existsSync(fileOf('lost'))).toBe(false);
    // Other databases are served as before.
    expect((await query('kept', 'SELECT v FROM t').expect(200)).body.data).toEqual([{ v: 'precious' }]);
  });

  it('reports it in readiness (database_files) and in the database details', async () => {
    const ready = await gateway.http.get('/health/ready').expect(503);
    expect(ready.body.status).toBe('error');
    expect(ready.body.error.database_files).toEqual({ status: 'down', detail: '1 active database(s) without a database file (restore or delete them): lost' });
    const details = (await gateway.http.get('/admin/databases/lost').expect(200)).body;
    expect(details).toMatchObject({ status: 'active', file: { size_bytes: 0, wal_size_bytes: 0, missing: true }, tables: null, page_count: null, last_written_at: null });
    expect((await gateway.http.get('/admin/databases/kept').expect(200)).body.file).toMatchObject({ missing: false });
    expect((await gateway.http.get('/admin/databases/gone').expect(200)).body.file).toMatchObject({ missing: true });
    expect(existsSync(fileOf('lost'))).toBe(false);
  });

  it('refuses to spawn a pruned database again over its missing file', async () => {
    expectError((await gateway.http.post('/admin/databases/spawn/gone').expect(503)).body, 503, 'DATABASE_FILE_MISSING');
    expect(existsSync(fileOf('gone'))).toBe(false);
    expect((await gateway.http.get('/admin/databases/gone').expect(200)).body.status).toBe('pruned');
  });

  it('is brought back by a restore (no previous version to keep), then readiness is ok again', async () => {
    const restored = await gateway.http.post('/admin/databases/lost/restore').set('Content-Type', SQLITE).send(await sqliteFile("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('from the backup');")).expect(200);
    expect(restored.body).toEqual({ message: 'Database restored successfully.', db_name: 'lost', previous_snapshot: null, size_bytes: expect.any(Number) });
    expect((await query('lost', 'SELECT v FROM t').expect(200)).body.data).toEqual([{ v: 'from the backup' }]);
    await query('lost', "INSERT INTO t VALUES ('new')").expect(200);
    const ready = await gateway.http.get('/health/ready').expect(200);
    expect(ready.body.info.database_files).toEqual({ status: 'up', detail: '2 active database file(s) present' });
  });

  it('a database deleted from the catalog is simply not found, as before', async () => {
    await gateway.http.delete('/admin/databases/gone').expect(200);
    expectError((await query('gone', 'SELECT 1').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
  });
});

describe('the restore swap', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    await gateway.http.post('/admin/databases/spawn/swap').expect(201);
    await gateway.http.post('/api/db/swap/query').send({ sql: "CREATE TABLE t (v TEXT)" }).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('never leaves the database path without a file, and keeps the old version as the pre-restore snapshot', async () => {
    await gateway.http.post('/api/db/swap/query').send({ sql: "INSERT INTO t VALUES ('old')" }).expect(200);
    const file = join(gateway.dataDir, 'swap', 'swap.db');
    let watching = true;
    let absent = 0;
    let looks = 0;
    const watch = (async () => {
      while (watching) {
        looks++;
        if (!existsSync(file)) absent++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const bytes = await sqliteFile("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('new');");
    const restored = await gateway.http.post('/admin/databases/swap/restore').set('Content-Type', SQLITE).send(bytes).expect(200);
    watching = false;
    await watch;
    expect(looks).toBeGreaterThan(10);
    expect(absent).toBe(0);
    const snapshot = join(gateway.dataDir, '.dbforge', 'snapshots', 'swap', `${restored.body.previous_snapshot}.db`);
    const db = new sqlite3.Database(snapshot, sqlite3.OPEN_READONLY);
    const rows = await new Promise((resolve, reject) => db.all('SELECT v FROM t', (error, result) => (error ? reject(error) : resolve(result))));
    await new Promise<void>((resolve) => db.close(() => resolve()));
    expect(rows).toEqual([{ v: 'old' }]);
    expect((await gateway.http.post('/api/db/swap/query').send({ sql: 'SELECT v FROM t' }).expect(200)).body.data).toEqual([{ v: 'new' }]);
  });
});
