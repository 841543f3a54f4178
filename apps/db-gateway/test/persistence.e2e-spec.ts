import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('catalog and data across restarts', () => {
  let dataDir: string;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    dataDir = await makeDataDir();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await removeDataDir(dataDir);
  });

  it('remembers active and pruned databases and their rows after a restart', async () => {
    gateway = await startGateway(dataDir);
    await gateway.http.post('/admin/databases/spawn/keeper').expect(201);
    await gateway.http.post('/admin/databases/spawn/sleeper').expect(201);
    await gateway.http.post('/api/db/keeper/query').send({ sql: 'CREATE TABLE notes (body TEXT)' }).expect(200);
    await gateway.http.post('/api/db/keeper/tables/notes/rows').send({ rows: [{ body: 'one' }, { body: 'two' }] }).expect(201);
    await gateway.http.post('/api/db/sleeper/query').send({ sql: 'CREATE TABLE t (v INTEGER)' }).expect(200);
    await gateway.http.post('/api/db/sleeper/query').send({ sql: 'INSERT INTO t VALUES (42)' }).expect(200);
    await gateway.http.post('/admin/databases/prune/sleeper').expect(200);
    const created = (await gateway.http.get('/admin/databases')).body[0].created_at;
    await gateway.close();

    gateway = await startGateway(dataDir);
    const list = await gateway.http.get('/admin/databases').expect(200);
    expect(list.body).toEqual([{ name: 'keeper', container_id: null, status: 'running', runtime: 'embedded', created_at: created }]);
    const notes = await gateway.http.get('/api/db/keeper/tables/notes/rows').expect(200);
    expect(notes.body.data).toEqual([{ body: 'one' }, { body: 'two' }]);
    await gateway.http.post('/api/db/sleeper/query').send({ sql: 'SELECT 1' }).expect(404);
    await gateway.http.post('/admin/databases/spawn/keeper').expect(200);
    await gateway.http.post('/admin/databases/spawn/sleeper').expect(201);
    const kept = await gateway.http.post('/api/db/sleeper/query').send({ sql: 'SELECT v FROM t' }).expect(200);
    expect(kept.body.data).toEqual([{ v: 42 }]);
  });

  it('adopts a v1 data directory: top-level <name>.db files, with their WAL, become active databases', async () => {
    const legacy = new sqlite3.Database(join(dataDir, 'legacy.db'));
    const exec = (sql: string) => new Promise<void>((resolve, reject) => legacy.exec(sql, (error) => (error ? reject(error) : resolve())));
    // Leave committed rows in the WAL (no checkpoint), as a v1 gateway killed mid-flight would.
    await exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('from v1');");
    expect(existsSync(join(dataDir, 'legacy.db-wal'))).toBe(true);
    copyFileSync(join(dataDir, 'legacy.db'), join(dataDir, 'copy.db'));
    copyFileSync(join(dataDir, 'legacy.db-wal'), join(dataDir, 'copy.db-wal'));
    await new Promise<void>((resolve) => legacy.close(() => resolve()));
    writeFileSync(join(dataDir, 'not a name!.db'), '');
    writeFileSync(join(dataDir, 'legacy.db-journal'), ''); // v1 ran in rollback-journal mode: the journal moves too

    gateway = await startGateway(dataDir);
    const names = (await gateway.http.get('/admin/databases').expect(200)).body.map((entry: { name: string }) => entry.name);
    expect(names.sort()).toEqual(['copy', 'legacy']);
    for (const name of ['legacy', 'copy']) {
      const rows = await gateway.http.get(`/api/db/${name}/tables/notes/rows`).expect(200);
      expect(rows.body.data).toEqual([{ body: 'from v1' }]);
      expect(existsSync(join(dataDir, `${name}.db`))).toBe(false);
      expect(existsSync(join(dataDir, name, `${name}.db`))).toBe(true);
    }
    expect(existsSync(join(dataDir, 'not a name!.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'legacy.db-journal'))).toBe(false);
  });
});
