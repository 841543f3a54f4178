import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'test-admin-key-0123456789';

describe('access control with DBFORGE_ADMIN_KEY set', () => {
  let gateway: TestGateway;
  const admin = { Authorization: `Bearer ${ADMIN}` };

  async function mint(database: string, body: object): Promise<{ id: string; key: string }> {
    return (await gateway.http.post(`/admin/databases/${database}/keys`).set(admin).send(body).expect(201)).body;
  }

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
    for (const name of ['alpha', 'beta']) {
      await gateway.http.post(`/admin/databases/spawn/${name}`).set(admin).expect(201);
      await gateway.http.post(`/api/db/${name}/query`).set(admin).send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    }
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('leaves the greeting, health and docs open', async () => {
    await gateway.http.get('/').expect(200);
    await gateway.http.get('/health/live').expect(200);
    const ready = await gateway.http.get('/health/ready').expect(200);
    expect(ready.body.info.auth).toEqual({ status: 'up', detail: 'keys required' });
    await gateway.http.get('/docs-json').expect(200);
  });

  it('answers 401 without a key and 403 with a wrong one, on admin and data routes', async () => {
    expectError((await gateway.http.get('/admin/databases').expect(401)).body, 401, 'UNAUTHENTICATED');
    expectError((await gateway.http.post('/api/db/alpha/query').send({ sql: 'SELECT 1' }).expect(401)).body, 401, 'UNAUTHENTICATED');
    expectError((await gateway.http.get('/admin/databases').set('Authorization', 'Bearer wrong-key-wrong-key').expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.get('/admin/databases').set('X-API-Key', `${ADMIN}x`).expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.get('/admin/databases').set('Authorization', `Basic ${ADMIN}`).expect(401)).body, 401, 'UNAUTHENTICATED');
  });

  it('accepts the admin key as a Bearer token or an X-API-Key header, everywhere', async () => {
    await gateway.http.get('/admin/databases').set('authorization', `bearer ${ADMIN}`).expect(200);
    await gateway.http.get('/admin/databases').set('X-API-Key', ADMIN).expect(200);
    await gateway.http.post('/api/db/beta/query').set('X-API-Key', ADMIN).send({ sql: 'SELECT 1 AS one' }).expect(200);
  });

  it('mints a key shown once and stored only as a hash', async () => {
    const created = await gateway.http.post('/admin/databases/alpha/keys').set(admin).send({ scope: 'read', name: 'reports' }).expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{12}$/),
      key: expect.stringMatching(/^dbf_[A-Za-z0-9_-]{43}$/),
      database: 'alpha',
      scope: 'read',
      name: 'reports',
      created_at: expect.any(String),
      expires_at: null,
    });
    const listed = await gateway.http.get('/admin/databases/alpha/keys').set(admin).expect(200);
    expect(listed.body).toContainEqual({ id: created.body.id, database: 'alpha', scope: 'read', name: 'reports', created_at: expect.any(String), expires_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    const stored = readFileSync(join(gateway.dataDir, '.dbforge', 'keys.db'));
    expect(stored.includes(Buffer.from(created.body.key))).toBe(false);
  });

  it('lets a read key read its database and nothing more', async () => {
    const { key } = await mint('alpha', { scope: 'read' });
    const reader = { Authorization: `Bearer ${key}` };
    await gateway.http.post('/api/db/alpha/query').set(admin).send({ sql: "INSERT INTO t VALUES ('seed')" }).expect(200);

    expect((await gateway.http.post('/api/db/alpha/query').set(reader).send({ sql: 'SELECT v FROM t' }).expect(200)).body.data).toEqual([{ v: 'seed' }]);
    await gateway.http.get('/api/db/alpha/tables/t/rows').set(reader).expect(200);
    await gateway.http.post('/api/db/alpha/query').set(reader).send({ sql: 'PRAGMA table_info(t)' }).expect(200);

    for (const sql of ["INSERT INTO t VALUES ('nope')", 'DELETE FROM t', 'CREATE TABLE u (x)', "UPDATE t SET v = 'x' RETURNING v", 'PRAGMA user_version = 3']) {
      expectError((await gateway.http.post('/api/db/alpha/query').set(reader).send({ sql }).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    }
    expectError((await gateway.http.post('/api/db/alpha/tables/t/rows').set(reader).send({ rows: [{ v: 'x' }] }).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.post('/api/db/alpha/tables').set(reader).send({ table_name: 'u', columns: [{ name: 'a', type: 'TEXT' }] }).expect(403);
    expect((await gateway.http.post('/api/db/alpha/query').set(admin).send({ sql: 'SELECT count(*) AS c FROM t' }).expect(200)).body.data).toEqual([{ c: 1 }]);
    expect((await gateway.http.post('/api/db/alpha/query').set(admin).send({ sql: 'PRAGMA user_version' }).expect(200)).body.data).toEqual([{ user_version: 0 }]);
  });

  it('lets a read-write key write its own database, but not another one nor /admin', async () => {
    const { key } = await mint('alpha', { scope: 'read-write' });
    const writer = { 'X-API-Key': key };
    await gateway.http.post('/api/db/alpha/tables/t/rows').set(writer).send({ rows: [{ v: 'w' }] }).expect(201);
    await gateway.http.post('/api/db/alpha/query').set(writer).send({ sql: "INSERT INTO t VALUES ('q')" }).expect(200);
    expectError((await gateway.http.post('/api/db/beta/query').set(writer).send({ sql: 'SELECT 1' }).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.get('/api/db/beta/tables/t/rows').set(writer).expect(403);
    expectError((await gateway.http.get('/admin/databases').set(writer).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.post('/admin/databases/prune/alpha').set(writer).expect(403);
    await gateway.http.post('/admin/databases/alpha/keys').set(writer).send({ scope: 'read-write' }).expect(403);
  });

  it('stops accepting a revoked key at once, and an expired one', async () => {
    const { id, key } = await mint('alpha', { scope: 'read' });
    await gateway.http.get('/api/db/alpha/tables/t/rows').set('X-API-Key', key).expect(200);
    expect((await gateway.http.delete(`/admin/databases/alpha/keys/${id}`).set(admin).expect(200)).body).toEqual({ message: 'API key revoked.', id });
    expectError((await gateway.http.get('/api/db/alpha/tables/t/rows').set('X-API-Key', key).expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.delete(`/admin/databases/alpha/keys/${id}`).set(admin).expect(404)).body, 404, 'API_KEY_NOT_FOUND');

    const brief = await mint('alpha', { scope: 'read', expires_in_seconds: 1 });
    await gateway.http.get('/api/db/alpha/tables/t/rows').set('X-API-Key', brief.key).expect(200);
    await new Promise((wait) => setTimeout(wait, 1100));
    await gateway.http.get('/api/db/alpha/tables/t/rows').set('X-API-Key', brief.key).expect(403);
  });

  it.each([
    ['an unknown scope', { scope: 'admin' }],
    ['a negative expiry', { scope: 'read', expires_in_seconds: -5 }],
    ['a fractional expiry', { scope: 'read', expires_in_seconds: 1.5 }],
    ['an unknown field', { scope: 'read', owner: 'me' }],
    ['a control character in the name', { scope: 'read', name: 'a\nb' }],
  ])('refuses to mint a key with %s (400)', async (_label, body) => {
    await gateway.http.post('/admin/databases/alpha/keys').set(admin).send(body).expect(400);
  });

  it('refuses to mint a key for a database that does not exist (404)', async () => {
    await gateway.http.post('/admin/databases/ghost/keys').set(admin).send({ scope: 'read' }).expect(404);
  });

  it('keeps keys and revocations across a restart', async () => {
    const kept = await mint('beta', { scope: 'read' });
    const revoked = await mint('beta', { scope: 'read' });
    await gateway.http.delete(`/admin/databases/beta/keys/${revoked.id}`).set(admin).expect(200);
    await gateway.close();
    gateway = await startGateway(gateway.dataDir, { DBFORGE_ADMIN_KEY: ADMIN });
    await gateway.http.get('/api/db/beta/tables/t/rows').set('X-API-Key', kept.key).expect(200);
    await gateway.http.get('/api/db/beta/tables/t/rows').set('X-API-Key', revoked.key).expect(403);
  });
});

describe('open mode (no DBFORGE_ADMIN_KEY), as v1', () => {
  it('lets every call through and says so in readiness', async () => {
    const gateway = await startGateway(await makeDataDir());
    try {
      await gateway.http.get('/admin/databases').expect(200);
      const ready = await gateway.http.get('/health/ready').expect(200);
      expect(ready.body.info.auth.detail).toMatch(/^open: DBFORGE_ADMIN_KEY is not set/);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the burst, per key or address; public routes are not limited', async () => {
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_RATE_LIMIT_PER_SECOND: '0.5', DBFORGE_RATE_LIMIT_BURST: '3' });
    try {
      for (let i = 0; i < 3; i++) await gateway.http.get('/admin/databases').expect(200);
      const limited = await gateway.http.get('/admin/databases').expect(429);
      expectError(limited.body, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Another caller (a key, even an unknown one) has its own bucket; health is never limited.
      await gateway.http.get('/admin/databases').set('X-API-Key', 'some-other-caller-key').expect(200);
      for (let i = 0; i < 5; i++) await gateway.http.get('/health/live').expect(200);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});
