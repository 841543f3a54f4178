import { readFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'test-admin-key-0123456789';

/** A request sent from another loopback address (`127.0.0.2`, ...), as a second client machine would. */
function fromAddress(
  gateway: TestGateway,
  address: string,
  method: string,
  path: string,
  body?: object,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = gateway.app.getHttpServer().address() as AddressInfo;
  const payload = body ? JSON.stringify(body) : undefined;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, localAddress: address, method, path, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

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
    await gateway.http.get('/health/ready').expect(200);
    await gateway.http.get('/docs-json').expect(200);
  });

  it('shows what readiness found only to the admin key; everyone else sees each check up or down, with the same status', async () => {
    const checks = ['data_dir', 'catalog', 'runtime', 'database_files', 'auth', 'replication'];
    const statusOnly = Object.fromEntries(checks.map((name) => [name, { status: 'up' }]));
    const { key } = await mint('alpha', { scope: 'read-write' });
    for (const headers of [{}, { 'X-API-Key': 'wrong-key-wrong-key' }, { Authorization: `Bearer ${key}` }, { 'X-API-Key': `${ADMIN}x` }, { Authorization: `Basic ${ADMIN}` }]) {
      const ready = await gateway.http.get('/health/ready').set(headers).expect(200);
      expect(ready.body).toEqual({ status: 'ok', info: statusOnly, error: {}, details: statusOnly });
      expect(ready.text).not.toContain(gateway.dataDir);
    }
    const full = await gateway.http.get('/health/ready').set(admin).expect(200);
    expect(full.body.info.data_dir).toEqual({ status: 'up', detail: gateway.dataDir });
    expect(full.body.info.auth).toEqual({ status: 'up', detail: 'keys required' });
    expect(full.body.info.catalog.detail).toMatch(/^\d+ active database\(s\)$/);
    expect((await gateway.http.get('/health/ready').set('X-API-Key', ADMIN).expect(200)).body).toEqual(full.body);

    // A failing check: the status code is the same for everyone, the names of the databases are the admin's to see.
    await gateway.http.post('/admin/databases/spawn/fragile').set(admin).expect(201);
    await rename(join(gateway.dataDir, 'fragile', 'fragile.db'), join(gateway.dataDir, 'fragile', 'moved-away'));
    try {
      const down = await gateway.http.get('/health/ready').set('Authorization', `Bearer ${key}`).expect(503);
      expect(down.body).toMatchObject({ status: 'error', error: { database_files: { status: 'down' } }, details: { database_files: { status: 'down' } } });
      expect(down.text).not.toContain('fragile');
      const seen = await gateway.http.get('/health/ready').set(admin).expect(503);
      expect(seen.body.error.database_files.detail).toContain('fragile');
    } finally {
      await rename(join(gateway.dataDir, 'fragile', 'moved-away'), join(gateway.dataDir, 'fragile', 'fragile.db'));
    }
    await gateway.http.get('/health/ready').expect(200);
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
  it('with DBFORGE_OPEN=true says in readiness that anyone who reaches it may call', async () => {
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_OPEN: 'true' });
    try {
      await gateway.http.post('/admin/databases/spawn/anyone').expect(201);
      const ready = await gateway.http.get('/health/ready').expect(200);
      expect(ready.body.info.auth.detail).toBe('open: DBFORGE_OPEN=true, every endpoint is open to anyone who can reach it');
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });


  it('lets every call through and says so in readiness', async () => {
    const gateway = await startGateway(await makeDataDir());
    try {
      await gateway.http.get('/admin/databases').expect(200);
      const ready = await gateway.http.get('/health/ready').expect(200);
      expect(ready.body.info.auth.detail).toMatch(/^open to this machine only: DBFORGE_ADMIN_KEY is not set/);
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
      // A made-up key is not a caller of its own: each new one still draws on the address's bucket.
      for (const [header, value] of [['X-API-Key', 'made-up-key-1'], ['Authorization', 'Bearer made-up-key-2'], ['X-API-Key', 'made-up-key-3']]) {
        expectError((await gateway.http.get('/admin/databases').set(header, value).expect(429)).body, 429, 'RATE_LIMITED');
      }
      // A key the gateway knows is a caller of its own; another address has its own bucket; health is never limited.
      const minted = await gateway.http.post('/admin/databases/spawn/limited').set('X-API-Key', 'x').expect(429);
      expectError(minted.body, 429, 'RATE_LIMITED');
      expect((await fromAddress(gateway, '127.0.0.2', 'POST', '/admin/databases/spawn/limited')).status).toBe(201);
      const key = JSON.parse((await fromAddress(gateway, '127.0.0.3', 'POST', '/admin/databases/limited/keys', { scope: 'read' })).body).key;
      for (let i = 0; i < 3; i++) await gateway.http.get('/api/db/limited/tables').set('X-API-Key', key).expect(200);
      await gateway.http.get('/api/db/limited/tables').set('X-API-Key', key).expect(429);
      for (let i = 0; i < 5; i++) await gateway.http.get('/health/live').expect(200);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});

describe('failed authentication, limited per client address', () => {
  let gateway: TestGateway;
  const admin = { Authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '4' });
    await gateway.http.post('/admin/databases/spawn/guarded').set(admin).expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('answers 429 once an address has presented too many invalid keys, however they are rotated or sent, and then for any key', async () => {
    const { key } = (await gateway.http.post('/admin/databases/guarded/keys').set(admin).send({ scope: 'read' }).expect(201)).body;
    // Four different wrong keys, through both headers and on admin and data routes: each is a plain 403.
    expectError((await gateway.http.get('/admin/databases').set('X-API-Key', 'guess-0001').expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.get('/admin/databases').set('Authorization', 'Bearer guess-0002').expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.post('/api/db/guarded/query').set('X-API-Key', `${key}x`).send({ sql: 'SELECT 1' }).expect(403)).body, 403, 'INVALID_API_KEY');
    expectError((await gateway.http.get('/api/db/guarded/tables').set('Authorization', `bearer ${ADMIN.slice(1)}`).expect(403)).body, 403, 'INVALID_API_KEY');

    const limited = await gateway.http.get('/admin/databases').set('X-API-Key', 'guess-0005').expect(429);
    expect(expectError(limited.body, 429, 'RATE_LIMITED').detail).toMatch(/^Too many invalid API keys from this address; retry in \d+ s\.$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Past the limit the address gets 429 whatever it presents, so a guess that happens to be right tells it nothing.
    expectError((await gateway.http.get('/api/db/guarded/tables').set('X-API-Key', key).expect(429)).body, 429, 'RATE_LIMITED');
    expectError((await gateway.http.get('/admin/databases').set(admin).expect(429)).body, 429, 'RATE_LIMITED');
    // Requests without a key are not guesses: they stay 401; public routes stay open.
    expectError((await gateway.http.get('/admin/databases').expect(401)).body, 401, 'UNAUTHENTICATED');
    await gateway.http.get('/health/live').expect(200);

    // Another address is not affected, and its own wrong keys are counted apart.
    const other = await fromAddress(gateway, '127.0.0.2', 'GET', '/api/db/guarded/tables', undefined, { 'X-API-Key': key });
    expect(other.status).toBe(200);
    expect((await fromAddress(gateway, '127.0.0.2', 'GET', '/admin/databases', undefined, { 'X-API-Key': 'guess-other' })).status).toBe(403);
    expect((await fromAddress(gateway, '127.0.0.2', 'GET', '/admin/databases', undefined, admin)).status).toBe(200);
  });

  it('lets the address in again once its allowance refills (60 a minute: one a second)', async () => {
    const gatewayOf = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '60' });
    try {
      for (let i = 0; i < 60; i++) await gatewayOf.http.get('/admin/databases').set('X-API-Key', `guess-${i}`).expect(403);
      const limited = await gatewayOf.http.get('/admin/databases').set(admin).expect(429);
      expect(Number(limited.headers['retry-after'])).toBe(1);
      await new Promise((wait) => setTimeout(wait, 1100));
      await gatewayOf.http.get('/admin/databases').set(admin).expect(200);
    } finally {
      await gatewayOf.close();
      await removeDataDir(gatewayOf.dataDir);
    }
  });

  it('is off with DBFORGE_AUTH_FAILURES_PER_MINUTE=0', async () => {
    const unlimited = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '0' });
    try {
      for (let i = 0; i < 80; i++) await unlimited.http.get('/admin/databases').set('X-API-Key', `guess-${i}`).expect(403);
      await unlimited.http.get('/admin/databases').set(admin).expect(200);
    } finally {
      await unlimited.close();
      await removeDataDir(unlimited.dataDir);
    }
  });
});
