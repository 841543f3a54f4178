import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('admin API (v1 contract)', () => {
  let gateway: TestGateway;

  beforeEach(async () => {
    gateway = await startGateway(await makeDataDir());
  });

  afterEach(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('GET / greets as v1 did', async () => {
    const response = await gateway.http.get('/').expect(200);
    expect(response.body).toEqual({ message: 'Praetorian DB-Forge is online.' });
  });

  it('spawns a database: 201, a WAL-mode file in its own directory, listed as running', async () => {
    const response = await gateway.http.post('/admin/databases/spawn/app_db').expect(201);
    expect(response.body).toEqual({ message: 'Database instance spawned successfully.', db_name: 'app_db', container_id: null });
    expect(existsSync(join(gateway.dataDir, 'app_db', 'app_db.db'))).toBe(true);

    const mode = await gateway.http.post('/api/db/app_db/query').send({ sql: 'PRAGMA journal_mode' }).expect(200);
    expect(mode.body.data).toEqual([{ journal_mode: 'wal' }]);

    const list = await gateway.http.get('/admin/databases').expect(200);
    expect(list.body).toEqual([
      { name: 'app_db', container_id: null, status: 'running', runtime: 'embedded', created_at: expect.any(String) },
    ]);
  });

  it('answers 200 "already exists and is running" to a second spawn', async () => {
    await gateway.http.post('/admin/databases/spawn/twice').expect(201);
    const again = await gateway.http.post('/admin/databases/spawn/twice').expect(200);
    expect(again.body).toEqual({ message: 'Database instance already exists and is running.', db_name: 'twice', container_id: null });
    expect((await gateway.http.get('/admin/databases')).body).toHaveLength(1);
  });

  it('spawns each name once under concurrent spawns', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => gateway.http.post('/admin/databases/spawn/raced')));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
  });

  it('prunes: 200, leaves the list, keeps the file, data plane answers 404', async () => {
    await gateway.http.post('/admin/databases/spawn/gone').expect(201);
    await gateway.http.post('/api/db/gone/query').send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    const response = await gateway.http.post('/admin/databases/prune/gone').expect(200);
    expect(response.body).toEqual({ message: 'Database instance pruned successfully.', db_name: 'gone' });
    expect((await gateway.http.get('/admin/databases')).body).toEqual([]);
    expect(existsSync(join(gateway.dataDir, 'gone', 'gone.db'))).toBe(true);

    const query = await gateway.http.post('/api/db/gone/query').send({ sql: 'SELECT 1' }).expect(404);
    expect(expectError(query.body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    await gateway.http.get('/api/db/gone/tables/t/rows').expect(404);
    await gateway.http.post('/api/db/gone/tables/t/rows').send({ rows: [{ v: 'x' }] }).expect(404);
    await gateway.http.post('/api/db/gone/tables').send({ table_name: 'u', columns: [{ name: 'a', type: 'TEXT' }] }).expect(404);
  });

  it('re-activates a pruned database with its data', async () => {
    await gateway.http.post('/admin/databases/spawn/phoenix').expect(201);
    await gateway.http.post('/api/db/phoenix/query').send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    await gateway.http.post('/api/db/phoenix/query').send({ sql: 'INSERT INTO t VALUES (?)', params: ['kept'] }).expect(200);
    await gateway.http.post('/admin/databases/prune/phoenix').expect(200);

    await gateway.http.post('/admin/databases/spawn/phoenix').expect(201);
    const rows = await gateway.http.get('/api/db/phoenix/tables/t/rows').expect(200);
    expect(rows.body).toEqual({ data: [{ v: 'kept' }], rows_affected: 1 });
  });

  it('prune of an unknown or already pruned database is 404 "Database not found."', async () => {
    const unknown = await gateway.http.post('/admin/databases/prune/never').expect(404);
    expect(expectError(unknown.body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    await gateway.http.post('/admin/databases/spawn/once').expect(201);
    await gateway.http.post('/admin/databases/prune/once').expect(200);
    await gateway.http.post('/admin/databases/prune/once').expect(404);
  });

  it.each([
    ['a dot first', '.hidden'],
    ['a dash first', '-x'],
    ['two dots', 'a..b'],
    ['an encoded slash', '..%2Fetc'],
    ['an encoded slash inside', 'a%2Fb'],
    ['a backslash', 'a%5Cb'],
    ['a NUL', 'a%00b'],
    ['a space', 'a%20b'],
    ['a unicode look-alike', 'caf%C3%A9'],
    ['64 characters', 'a'.repeat(64)],
  ])('refuses a name with %s (400 INVALID_DATABASE_NAME) and writes nothing', async (_label, name) => {
    const before = readdirSync(gateway.dataDir).sort();
    const spawn = await gateway.http.post(`/admin/databases/spawn/${name}`).expect(400);
    expectError(spawn.body, 400, 'INVALID_DATABASE_NAME');
    const query = await gateway.http.post(`/api/db/${name}/query`).send({ sql: 'SELECT 1' }).expect(400);
    expectError(query.body, 400, 'INVALID_DATABASE_NAME');
    await gateway.http.post(`/admin/databases/prune/${name}`).expect(400);
    expect(readdirSync(gateway.dataDir).sort()).toEqual(before);
  });

  it('accepts the longest valid name (63 characters) and names with . _ -', async () => {
    await gateway.http.post(`/admin/databases/spawn/${'b'.repeat(63)}`).expect(201);
    await gateway.http.post('/admin/databases/spawn/My.db_name-2').expect(201);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const response = await gateway.http.get('/admin/nothing').expect(404);
    expect(expectError(response.body, 404, 'ROUTE_NOT_FOUND').detail).toBe('Not Found');
  });
});
