import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

/** What a web page elsewhere can make a browser send without any CORS consent: simple requests. */
describe('a keyless gateway and requests a browser sends for other sites', () => {
  let gateway: TestGateway;
  let own: string;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    const { port } = gateway.app.getHttpServer().address() as { port: number };
    own = `127.0.0.1:${port}`;
    await gateway.http.post('/admin/databases/spawn/victim').expect(201);
    await gateway.http.post('/api/db/victim/query').send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    await gateway.http.post('/api/db/victim/query').send({ sql: "INSERT INTO t VALUES ('precious')" }).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  const rows = async () => (await gateway.http.post('/api/db/victim/query').send({ sql: 'SELECT v FROM t' }).expect(200)).body.data;

  it.each<[string, Record<string, string>]>([
    ['another site', { Origin: 'http://evil.example' }],
    ['another port of this machine', { Origin: 'http://127.0.0.1:1' }],
    ['localhost instead of 127.0.0.1 (another origin)', { Origin: 'http://localhost' }],
    ['a sandboxed page or a file', { Origin: 'null' }],
    ['an unreadable origin', { Origin: 'javascript:alert(1)' }],
    ['a browser that marks it cross-site without an Origin', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('refuses, and changes nothing, a restore sent from %s', async (_label, headers) => {
    const response = await gateway.http.post('/admin/databases/victim/restore').set(headers).set('Content-Type', 'text/plain').send('CREATE TABLE t (v TEXT);').expect(403);
    expectError(response.body, 403, 'FOREIGN_REQUEST');
    expect(await rows()).toEqual([{ v: 'precious' }]);
  });

  it.each<[string, () => Promise<{ status: number; body: unknown }>]>([
    ['a spawn', () => gateway.http.post('/admin/databases/spawn/planted').set('Origin', 'http://evil.example')],
    ['a query', () => gateway.http.post('/api/db/victim/query').set('Origin', 'http://evil.example').set('Content-Type', 'text/plain').send('{"sql": "DROP TABLE t"}')],
    ['a delete', () => gateway.http.delete('/admin/databases/victim').set('Origin', 'http://evil.example')],
    ['a readiness probe', () => gateway.http.get('/health/ready').set('Origin', 'http://evil.example')],
  ])('refuses %s from another site', async (_label, send) => {
    const response = await send();
    expect(response.status).toBe(403);
    expectError(response.body, 403, 'FOREIGN_REQUEST');
    await gateway.http.get('/admin/databases/planted').expect(404);
    expect(await rows()).toEqual([{ v: 'precious' }]);
  });

  it.each(['evil.example', 'evil.example:80', '192.168.1.5', '127.0.0.1.evil.example', '[::2]:8000', '[::1]evil.example', 'localhost.', 'evil.localhost.example'])(
    'refuses a request addressed to %s, a name that is not this machine (DNS rebinding)',
    async (host) => {
      const response = await gateway.http.post('/admin/databases/spawn/rebound').set('Host', host).expect(403);
      expect(expectError(response.body, 403, 'FOREIGN_REQUEST').detail).toContain('DBFORGE_ADMIN_KEY');
      await gateway.http.get('/admin/databases/rebound').expect(404);
    },
  );

  it.each(['localhost', 'localhost:8000', '127.0.0.1', '127.0.0.2:9', '[::1]:8000'])('serves a request addressed to %s', async (host) => {
    await gateway.http.get('/admin/databases').set('Host', host).expect(200);
  });

  it('serves its own pages (Swagger UI) and clients outside a browser', async () => {
    await gateway.http.post('/api/db/victim/query').set('Origin', `http://${own}`).send({ sql: 'SELECT 1' }).expect(200);
    await gateway.http.post('/api/db/victim/query').set('Sec-Fetch-Site', 'same-origin').send({ sql: 'SELECT 1' }).expect(200);
    await gateway.http.post('/api/db/victim/query').send({ sql: 'SELECT 1' }).expect(200);
  });
});

describe('foreign requests and the rate limit', () => {
  it('refuses them before anything counts them: a page cannot use up the limit of local clients', async () => {
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_RATE_LIMIT_PER_SECOND: '1', DBFORGE_RATE_LIMIT_BURST: '3' });
    try {
      for (let i = 0; i < 10; i++) await gateway.http.post('/admin/databases/spawn/x').set('Origin', 'http://evil.example').expect(403);
      await gateway.http.post('/admin/databases/spawn/x').expect(201);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});

describe('foreign requests in the other auth modes', () => {
  it('DBFORGE_OPEN=true serves every name but still refuses other sites', async () => {
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_OPEN: 'true' });
    try {
      await gateway.http.get('/admin/databases').set('Host', 'db.internal.example').expect(200);
      expectError((await gateway.http.post('/admin/databases/spawn/x').set('Origin', 'http://evil.example').expect(403)).body, 403, 'FOREIGN_REQUEST');
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });

  it('with DBFORGE_ADMIN_KEY the key decides, whatever the origin or name', async () => {
    const admin = 'an-admin-key-of-some-length';
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: admin });
    try {
      await gateway.http.post('/admin/databases/spawn/x').set('Origin', 'http://evil.example').expect(401);
      await gateway.http.post('/admin/databases/spawn/x').set('Origin', 'http://app.example').set('Host', 'db.example').set('Authorization', `Bearer ${admin}`).expect(201);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});
