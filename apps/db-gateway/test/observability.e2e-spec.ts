import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids, timings and metrics', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_METRICS_MAX_DATABASES: '2' });
    for (const name of ['m1', 'm2', 'm3']) {
      await gateway.http.post(`/admin/databases/spawn/${name}`).expect(201);
      await gateway.http.post(`/api/db/${name}/query`).send({ sql: 'CREATE TABLE t (v INTEGER)' }).expect(200);
      await gateway.http.post(`/api/db/${name}/tables/t/rows`).send({ rows: [{ v: 1 }, { v: 2 }] }).expect(201);
      await gateway.http.post(`/api/db/${name}/query`).send({ sql: 'SELECT * FROM t' }).expect(200);
    }
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('echoes a sane X-Request-Id and makes one otherwise, on every response', async () => {
    expect((await gateway.http.get('/').set('X-Request-Id', 'trace-42.a_b:c')).headers['x-request-id']).toBe('trace-42.a_b:c');
    expect((await gateway.http.get('/').set('X-Request-Id', 'has spaces and "quotes"')).headers['x-request-id']).toMatch(UUID);
    expect((await gateway.http.get('/')).headers['x-request-id']).toMatch(UUID);
    const malformed = await gateway.http.post('/api/db/m1/query').set('Content-Type', 'application/json').send('{"sql":').expect(400);
    expect(malformed.headers['x-request-id']).toMatch(UUID);
    expect((await gateway.http.get('/nowhere').expect(404)).headers['x-request-id']).toMatch(UUID);
  });

  it('reports the time spent in SQLite in Server-Timing', async () => {
    const response = await gateway.http
      .post('/api/db/m1/query')
      .send({ sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT count(*) AS c FROM n' })
      .expect(200);
    const timing = /^sqlite;dur=([\d.]+);desc="SQLite", total;dur=([\d.]+)$/.exec(response.headers['server-timing']);
    expect(timing).not.toBeNull();
    const [sqlite, total] = [Number(timing?.[1]), Number(timing?.[2])];
    expect(sqlite).toBeGreaterThan(1);
    expect(total).toBeGreaterThanOrEqual(sqlite);
    const greeting = await gateway.http.get('/').expect(200);
    expect(greeting.headers['server-timing']).toMatch(/^sqlite;dur=0\.00;/);
  });

  it('exposes Prometheus metrics with route patterns, error codes and bounded database labels', async () => {
    await gateway.http.post('/api/db/m1/query').send({ sql: 'SELEC 1' }).expect(400);
    const text = (await gateway.http.get('/metrics').expect(200).expect('Content-Type', /text\/plain/)).text;
    expect(text).toMatch(/^dbforge_http_requests_total\{method="POST",route="\/api\/db\/:db_name\/query",status="200"\} \d+$/m);
    expect(text).toMatch(/^dbforge_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/",status="200"\} \d+$/m);
    expect(text).toMatch(/^dbforge_errors_total\{code="SQL_ERROR"\} [1-9]\d*$/m);
    expect(text).toMatch(/^dbforge_statements_total\{database="m1",kind="read",outcome="ok"\} \d+$/m);
    expect(text).toMatch(/^dbforge_statements_total\{database="m2",kind="write",outcome="ok"\} \d+$/m);
    expect(text).toMatch(/^dbforge_statements_total\{database="_other",kind="write",outcome="ok"\} \d+$/m);
    expect(text).not.toContain('database="m3"');
    expect(text).toMatch(/^dbforge_rows_written_total\{database="m1"\} [1-9]\d*$/m);
    expect(text).toMatch(/^dbforge_rows_read_total\{database="m1"\} [1-9]\d*$/m);
    expect(text).toMatch(/^dbforge_open_pools [1-9]\d*$/m);
    expect(text).toMatch(/^dbforge_writer_queue_depth 0$/m);
    expect(text).toMatch(/^dbforge_workers\{state="running"\} 3$/m);
    expect(text).toMatch(/^dbforge_process_resident_memory_bytes \d+/m);
    expect(text).not.toMatch(/route="\/api\/db\/m1/);
  });
});
