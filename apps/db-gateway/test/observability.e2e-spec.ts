import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../src/common/domain.error';
import { ContainerRuntime } from '../src/orchestrator/runtime/container-runtime.port';
import { EmbeddedRuntime } from '../src/orchestrator/runtime/embedded.runtime';
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

describe('the request log', () => {
  let gateway: TestGateway;
  const lines: Record<string, unknown>[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  type Entry = { req: { method: string; path: string; id: string }; res: { status: number; aborted?: boolean; sent_status?: number }; msg: string };
  const entriesFor = (path: string) => lines.filter((line) => (line.req as { path?: string } | undefined)?.path === path && line.res) as unknown as Entry[];
  const entryFor = async (path: string): Promise<Entry> => {
    for (let tries = 0; entriesFor(path).length === 0 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    const entries = entriesFor(path);
    expect(entries).toHaveLength(1);
    return entries[0];
  };

  /** Sends the headers and part of a body announced as `length` bytes, waits until the gateway is reading it, then hangs up. */
  async function abortMidBody(path: string, contentType: string, firstPart: Buffer | string, readingStarted: () => boolean): Promise<void> {
    const { port } = gateway.app.getHttpServer().address() as AddressInfo;
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'Content-Type': contentType, 'Content-Length': '1000000' } });
    request.on('error', () => undefined);
    request.write(firstPart);
    for (let tries = 0; !readingStarted() && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    request.destroy();
  }

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_LOG_LEVEL: 'info' }, { logs });
    await gateway.http.post('/admin/databases/spawn/logged').expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('logs an answered request with its status and no abort', async () => {
    const response = await gateway.http.post('/api/db/logged/query').send({ sql: 'SELECT 1 AS one' }).expect(200);
    const entry = await entryFor('/api/db/logged/query');
    expect(entry.res).toEqual({ status: 200 });
    expect(entry.req).toEqual({ id: response.headers['x-request-id'], method: 'POST', path: '/api/db/logged/query' });
    expect(entry.msg).toBe('POST /api/db/logged/query 200');
  });

  it('logs a body the body parser refuses (it runs after the request log)', async () => {
    await gateway.http.post('/api/db/logged/tables').set('Content-Type', 'application/json').send('{"sql":').expect(400);
    expect((await entryFor('/api/db/logged/tables')).res).toEqual({ status: 400 });
  });

  it('logs an upload its client cuts off mid-body as 499, aborted, while the upload handler is still reading it', async () => {
    const tmp = join(gateway.dataDir, '.dbforge', 'tmp');
    await abortMidBody('/admin/databases/logged/restore', 'application/vnd.sqlite3', randomBytes(50_000), () => existsSync(tmp) && readdirSync(tmp).length > 0);
    const entry = await entryFor('/admin/databases/logged/restore');
    expect(entry.res).toEqual({ status: 499, aborted: true });
    expect(entry.msg).toBe('POST /admin/databases/logged/restore 499 (aborted by the client)');
    // Counted the same way.
    const text = (await gateway.http.get('/metrics').expect(200)).text;
    expect(text).toMatch(/^dbforge_http_requests_total\{method="POST",route="\/admin\/databases\/:db_name\/restore",status="499"\} 1$/m);
  });

  it('logs a JSON body its client cuts off while the body parser reads it as 499, aborted', async () => {
    let waited = 0;
    // The JSON parser reads the body before any route runs; give it the first bytes, then hang up.
    await abortMidBody('/api/db/cut/query', 'application/json', '{"sql": "SELECT ', () => waited++ > 10);
    const entry = await entryFor('/api/db/cut/query');
    // The body parser's 400 went out onto the closing connection: logged as what was sent, not as the outcome.
    expect(entry.res).toMatchObject({ status: 499, aborted: true });
    expect(entry.msg).toBe('POST /api/db/cut/query 499 (aborted by the client)');
  });
});

describe('the request log of a failed request', () => {
  it("gives a 5xx's code and reason, and only the code of a 4xx (the caller's input is not logged)", async () => {
    const lines: Record<string, unknown>[] = [];
    const logs = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    class ImagelessRuntime extends EmbeddedRuntime {
      override start(database: string): never {
        throw new DomainError(ErrorCode.RUNTIME_FAILURE, `Docker engine could not create the worker of '${database}': No such image: db-worker-base:latest`);
      }
    }
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_LOG_LEVEL: 'info' }, { logs, overrides: [{ provide: ContainerRuntime, useValue: new ImagelessRuntime() }] });
    try {
      await gateway.http.post('/admin/databases/spawn/imageless').expect(502);
      await gateway.http.post('/api/db/missing/query').send({ sql: "SELECT 'secret'" }).expect(404);
      const entry = (path: string) => lines.find((line) => (line.req as { path?: string } | undefined)?.path === path);
      for (let tries = 0; (!entry('/admin/databases/spawn/imageless') || !entry('/api/db/missing/query')) && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(entry('/admin/databases/spawn/imageless')).toMatchObject({
        level: 50,
        res: { status: 502 },
        error: { code: 'RUNTIME_FAILURE', message: "Docker engine could not create the worker of 'imageless': No such image: db-worker-base:latest" },
      });
      expect(entry('/admin/databases/spawn/imageless')).not.toHaveProperty('err');
      expect(entry('/api/db/missing/query')).toMatchObject({ level: 30, res: { status: 404 }, error: { code: 'DATABASE_NOT_FOUND' } });
      expect(JSON.stringify(lines)).not.toContain('secret');
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
  });
});
