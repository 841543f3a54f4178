import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('GET /admin/databases/{db_name}: storage figures', () => {
  let gateway: TestGateway;
  let dataDir: string;
  const query = (sql: string) => gateway.http.post('/api/db/facts/query').send({ sql }).expect(200);
  const details = async () => (await gateway.http.get('/admin/databases/facts').expect(200)).body;

  beforeAll(async () => {
    dataDir = await makeDataDir();
    gateway = await startGateway(dataDir);
    await gateway.http.post('/admin/databases/spawn/facts').expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(dataDir);
  });

  it('lists tables with row counts and page figures of an active database, keeping the v1 fields', async () => {
    await query('CREATE TABLE a (x)');
    await query('CREATE TABLE b (y)');
    await query('CREATE VIEW v AS SELECT x FROM a');
    await query("INSERT INTO a VALUES (1), (2), (3)");
    const body = await details();
    expect(body).toMatchObject({ name: 'facts', status: 'active', runtime: 'embedded', file: { size_bytes: expect.any(Number), wal_size_bytes: expect.any(Number) } });
    expect(body.worker).toMatchObject({ state: 'running' });
    expect(body.tables).toEqual([
      { name: 'a', type: 'table', row_count: 3 },
      { name: 'b', type: 'table', row_count: 0 },
      { name: 'v', type: 'view', row_count: null },
    ]);
    expect(body.page_size).toBe(4096);
    expect(body.page_count).toBe(3); // the schema page and one page per table
    expect(body.freelist_count).toBe(0);
    expect(body.file.wal_size_bytes).toBeGreaterThan(0);
  });

  it('moves last_written_at forward after a write, not after a read', async () => {
    const before = (await details()).last_written_at as string;
    expect(Date.parse(before)).not.toBeNaN();
    await query('SELECT * FROM a');
    expect((await details()).last_written_at).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 20)); // file times need to be able to differ
    await query('INSERT INTO b VALUES (1)');
    const after = (await details()).last_written_at as string;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
    const wal = await stat(join(dataDir, 'facts', 'facts.db-wal'));
    expect(after).toBe(wal.mtime.toISOString());
  });

  it('reads a pruned database from its file: page_size * page_count is the file size after the checkpoint', async () => {
    await query('DELETE FROM a');
    await gateway.http.post('/admin/databases/prune/facts').expect(200);
    const body = await details();
    const file = await stat(join(dataDir, 'facts', 'facts.db'));
    expect(body).toMatchObject({ status: 'pruned', worker: null, file: { size_bytes: file.size, wal_size_bytes: 0 } });
    expect(body.page_size * body.page_count).toBe(file.size);
    expect(body.tables).toEqual([
      { name: 'a', type: 'table', row_count: 0 },
      { name: 'b', type: 'table', row_count: 1 },
      { name: 'v', type: 'view', row_count: null },
    ]);
    expect(body.last_written_at).toBe(file.mtime.toISOString());
    await gateway.http.post('/admin/databases/spawn/facts').expect(201);
  });

  it('answers null figures when the file is gone', async () => {
    await gateway.http.post('/admin/databases/spawn/hollow').expect(201);
    await gateway.http.post('/admin/databases/prune/hollow').expect(200);
    await rename(join(dataDir, 'hollow'), join(dataDir, 'hollow-moved'));
    await mkdir(join(dataDir, 'hollow'));
    const body = (await gateway.http.get('/admin/databases/hollow').expect(200)).body;
    expect(body).toMatchObject({ tables: null, page_size: null, page_count: null, freelist_count: null, last_written_at: null });
  });
});

describe('safe delete interrupted by a crash', () => {
  it('forgets a pruned entry whose data already moved to the trash when the gateway starts', async () => {
    const dataDir = await makeDataDir();
    let gateway = await startGateway(dataDir);
    await gateway.http.post('/admin/databases/spawn/halfway').expect(201);
    await gateway.http.post('/admin/databases/prune/halfway').expect(200);
    await gateway.close();
    // As if the gateway stopped right after the rename into the trash, before the catalog entry was removed.
    await mkdir(join(dataDir, '.dbforge', 'trash'), { recursive: true });
    await rename(join(dataDir, 'halfway'), join(dataDir, '.dbforge', 'trash', 'halfway-20261128T120000000Z'));
    gateway = await startGateway(dataDir);
    try {
      await gateway.http.get('/admin/databases/halfway').expect(404);
      const trash = (await gateway.http.get('/admin/trash').expect(200)).body;
      expect(trash).toEqual([expect.objectContaining({ db_name: 'halfway', deleted_at: '2026-11-28T12:00:00.000Z', created_at: null })]);
      await gateway.http.post('/admin/databases/halfway/undelete').expect(201);
      await gateway.http.post('/api/db/halfway/query').send({ sql: 'SELECT 1 AS one' }).expect(200);
    } finally {
      await gateway.close();
      await removeDataDir(dataDir);
    }
  });
});
