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
});
