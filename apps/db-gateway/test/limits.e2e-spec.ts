import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ENDLESS = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) AS c FROM n';

describe('limits', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), {
      DBFORGE_MAX_BODY_BYTES: '2048',
      DBFORGE_MAX_RESULT_ROWS: '5',
      DBFORGE_MAX_STATEMENTS: '3',
      DBFORGE_STATEMENT_TIMEOUT_MS: '400',
    });
    await gateway.http.post('/admin/databases/spawn/lim').expect(201);
    await gateway.http.post('/api/db/lim/query').send({ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' }).expect(200);
    await gateway.http.post('/api/db/lim/tables/t/rows').send({ rows: [{ v: 'a' }, { v: 'b' }, { v: 'c' }] }).expect(201);
    await gateway.http.post('/api/db/lim/tables/t/rows').send({ rows: [{ v: 'd' }, { v: 'e' }, { v: 'f' }] }).expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('refuses a body over DBFORGE_MAX_BODY_BYTES with 413', async () => {
    const response = await gateway.http.post('/api/db/lim/query').send({ sql: `SELECT '${'x'.repeat(4096)}'` }).expect(413);
    expectError(response.body, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('cuts a result at DBFORGE_MAX_RESULT_ROWS and says how to page', async () => {
    const response = await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT id FROM t ORDER BY id' }).expect(200);
    expect(response.body).toEqual({
      data: [1, 2, 3, 4, 5].map((id) => ({ id })),
      rows_affected: 5,
      truncated: true,
      message: expect.stringContaining('LIMIT'),
    });
    const rows = await gateway.http.get('/api/db/lim/tables/t/rows').expect(200);
    expect(rows.body).toMatchObject({ rows_affected: 5, truncated: true });
    const exact = await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT id FROM t WHERE id > 1' }).expect(200);
    expect(exact.body).toEqual({ data: [2, 3, 4, 5, 6].map((id) => ({ id })), rows_affected: 5 });
  });

  it('runs a write with RETURNING to the end even when its rows are cut from the response', async () => {
    const before = (await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT count(*) AS c FROM t' })).body.data[0].c as number;
    const response = await gateway.http
      .post('/api/db/lim/query')
      .send({ sql: "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 12) INSERT INTO t (v) SELECT 'r' || x FROM n RETURNING id" })
      .expect(200);
    expect(response.body).toMatchObject({ rows_affected: 12, truncated: true });
    expect(response.body.data).toHaveLength(5);
    expect((await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT count(*) AS c FROM t' })).body.data[0].c).toBe(before + 12);
    await gateway.http.post('/api/db/lim/query').send({ sql: "DELETE FROM t WHERE v LIKE 'r%'" }).expect(200);
  });

  it('refuses more rows in one insert than DBFORGE_MAX_STATEMENTS, inserting none', async () => {
    const response = await gateway.http.post('/api/db/lim/tables/t/rows').send({ rows: [{ v: '1' }, { v: '2' }, { v: '3' }, { v: '4' }] }).expect(400);
    expectError(response.body, 400, 'TOO_MANY_STATEMENTS');
    expect((await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT count(*) AS c FROM t' })).body.data).toEqual([{ c: 6 }]);
  });

  it('interrupts a statement past DBFORGE_STATEMENT_TIMEOUT_MS with 408, answering others meanwhile', async () => {
    const started = Date.now();
    const slow = gateway.http.post('/api/db/lim/query').send({ sql: ENDLESS }).then((response) => response); // starts it now
    await new Promise((wait) => setTimeout(wait, 50));
    const others = await Promise.all([
      gateway.http.get('/').expect(200),
      gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT count(*) AS c FROM t' }).expect(200),
      gateway.http.post('/api/db/lim/query').send({ sql: "INSERT INTO t (v) VALUES ('during')" }).expect(200),
    ]);
    expect(others).toHaveLength(3);
    const response = await slow;
    expect(response.status).toBe(408);
    expect(expectError(response.body, 408, 'STATEMENT_TIMEOUT').detail).toContain('400 ms');
    expect(Date.now() - started).toBeLessThan(5000);
    await gateway.http.post('/api/db/lim/query').send({ sql: "DELETE FROM t WHERE v = 'during'" }).expect(200);
  });

  it('interrupts a runaway write the same way and keeps the database writable', async () => {
    await gateway.http.post('/api/db/lim/query').send({ sql: 'CREATE TABLE big (i INTEGER)' }).expect(200);
    const response = await gateway.http
      .post('/api/db/lim/query')
      .send({ sql: 'INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n' })
      .expect(408);
    expectError(response.body, 408, 'STATEMENT_TIMEOUT');
    expect((await gateway.http.post('/api/db/lim/query').send({ sql: 'SELECT count(*) AS c FROM big' }).expect(200)).body.data).toEqual([{ c: 0 }]);
    await gateway.http.post('/api/db/lim/query').send({ sql: 'INSERT INTO big VALUES (1)' }).expect(200);
  });
});

describe('result size in bytes', () => {
  let gateway: TestGateway;
  const query = (sql: string) => gateway.http.post('/api/db/big/query').send({ sql });

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir()); // the default limits: 10,000 rows, 64 MiB
    await gateway.http.post('/admin/databases/spawn/big').expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('cuts twelve 60 MB values to what fits in DBFORGE_MAX_RESULT_BYTES instead of failing with a 500', async () => {
    const response = await query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 12) SELECT i, printf('%.*c', 60000000, 'x') AS v FROM n").expect(200);
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0].v).toHaveLength(60_000_000);
    expect(response.body).toMatchObject({ rows_affected: 1, truncated: true, message: expect.stringContaining('DBFORGE_MAX_RESULT_BYTES') });
  });
});

describe('a small DBFORGE_MAX_RESULT_BYTES', () => {
  let gateway: TestGateway;
  const query = (sql: string) => gateway.http.post('/api/db/small/query').send({ sql });

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_MAX_RESULT_BYTES: '1000000' });
    await gateway.http.post('/admin/databases/spawn/small').expect(201);
    await query('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)').expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('returns the rows that fit, BLOBs counted as base64', async () => {
    const response = await query('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 10) SELECT i, zeroblob(300000) AS b FROM n').expect(200);
    expect(response.body.data.map((row: { i: number }) => row.i)).toEqual([1, 2]);
    expect(response.body.truncated).toBe(true);
  });

  it('refuses a read whose first row alone is too large (400 RESULT_TOO_LARGE)', async () => {
    const response = await query('SELECT zeroblob(2000000) AS b').expect(400);
    expectError(response.body, 400, 'RESULT_TOO_LARGE');
  });

  it('runs a write with RETURNING whose rows are too large and says so, its rows written', async () => {
    const response = await query('INSERT INTO t (b) VALUES (zeroblob(2000000)) RETURNING b').expect(200);
    expect(response.body).toMatchObject({ data: [], rows_affected: 1, truncated: true });
    expect((await query('SELECT count(*) AS n FROM t').expect(200)).body.data).toEqual([{ n: 1 }]);
  });
});
