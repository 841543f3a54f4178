import { DbForgeClient, DbForgeError } from '@dbforge/client';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { STREAM_BATCH_ROWS } from '../src/data-plane/streaming/cursor-readable';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'streaming-admin-key-00000000';
const admin = { Authorization: `Bearer ${ADMIN}` };

interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** False when the connection closed before the response was complete. */
  complete: boolean;
}

/** A GET over a bare socket, read to the end. */
function rawGet(gateway: TestGateway, path: string, accept: string, onResponse?: (response: IncomingMessage) => Promise<void>): Promise<RawResponse> {
  const { port } = gateway.app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'GET', path, headers: { ...admin, Accept: accept } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, complete: response.complete });
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', done);
      response.on('aborted', done);
      void onResponse?.(response);
    });
    request.on('error', reject);
    request.end();
  });
}

/** A POST /query over a bare socket, so that a response cut short is seen as such (supertest hides it). */
function rawQuery(gateway: TestGateway, database: string, body: object, accept: string, headers = admin): Promise<RawResponse> {
  const { port } = gateway.app.getHttpServer().address() as AddressInfo;
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: `/api/db/${database}/query`, headers: { ...headers, Accept: accept, 'Content-Type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, complete: response.complete }));
        response.on('error', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, complete: false }));
        response.on('aborted', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, complete: false }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}


const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('streaming rows as NDJSON and CSV', () => {
  let gateway: TestGateway;
  const query = (database: string, sql: string, params?: unknown) => gateway.http.post(`/api/db/${database}/query`).set(admin).send({ sql, params });

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), {
      DBFORGE_ADMIN_KEY: ADMIN,
      DBFORGE_MAX_RESULT_ROWS: '100',
      DBFORGE_POOL_READERS: '1',
      DBFORGE_STATEMENT_TIMEOUT_MS: '1000',
    });
    await gateway.http.post('/admin/databases/spawn/big').set(admin).expect(201);
    await query('big', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)').expect(200);
    await query(
      'big',
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000) INSERT INTO t SELECT x, 'row ' || x, x / 4.0, CASE WHEN x % 2 = 0 THEN x'00ff' END FROM c",
    ).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('streams every row of a read as NDJSON, past the row cap of JSON responses, the same objects as JSON data', async () => {
    const response = await rawQuery(gateway, 'big', { sql: 'SELECT * FROM t WHERE id > ? ORDER BY id', params: [0] }, 'application/x-ndjson');
    expect(response.status).toBe(200);
    expect(response.complete).toBe(true);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const rows = lines(response.body).map((line) => JSON.parse(line));
    expect(rows).toHaveLength(5000);
    expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    const json = await query('big', 'SELECT * FROM t WHERE id <= 100 ORDER BY id').expect(200);
    expect(rows.slice(0, 100)).toEqual(json.body.data);
    expect(rows[1]).toEqual({ id: 2, name: 'row 2', score: 0.5, data: 'AP8=' });
  });

  it('streams CSV with a header, RFC 4180 quoting, NULL as an empty field and the empty string quoted', async () => {
    await query('big', 'CREATE TABLE awkward (k INTEGER, v TEXT)').expect(200);
    await query('big', 'INSERT INTO awkward VALUES (1, ?), (2, ?), (3, ?), (4, NULL), (5, ?), (6, ?)', ['plain', 'a,b', 'say "hi"', '', 'two\nlines']).expect(200);
    const response = await rawQuery(gateway, 'big', { sql: 'SELECT k, v AS "the value" FROM awkward ORDER BY k' }, 'text/csv');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(response.body).toBe('k,the value\r\n1,plain\r\n2,"a,b"\r\n3,"say ""hi"""\r\n4,\r\n5,""\r\n6,"two\nlines"\r\n');
  });

  it('streams a large CSV completely', async () => {
    const response = await rawQuery(gateway, 'big', { sql: 'SELECT id, name FROM t ORDER BY id' }, 'text/csv');
    const records = response.body.split('\r\n').filter((line) => line !== '');
    expect(records).toHaveLength(5001);
    expect(records[0]).toBe('id,name');
    expect(records[5000]).toBe('5000,row 5000');
  });

  it('answers JSON, as v1 did, when Accept asks for anything else or prefers JSON', async () => {
    for (const accept of ['*/*', 'application/json', 'text/html', 'application/json, application/x-ndjson;q=0.5', 'text/csv;q=0']) {
      const response = await rawQuery(gateway, 'big', { sql: 'SELECT id FROM t WHERE id <= 2 ORDER BY id' }, accept);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(response.body)).toEqual({ data: [{ id: 1 }, { id: 2 }], rows_affected: 2 });
    }
    const ndjson = await rawQuery(gateway, 'big', { sql: 'SELECT id FROM t WHERE id <= 2 ORDER BY id' }, 'application/json;q=0.5, application/x-ndjson');
    expect(ndjson.body).toBe('{"id":1}\n{"id":2}\n');
  });

  it('refuses to stream a write (406) and does not run it', async () => {
    const response = await rawQuery(gateway, 'big', { sql: "INSERT INTO t (name) VALUES ('streamed') RETURNING id" }, 'application/x-ndjson');
    expect(response.status).toBe(406);
    expectError(JSON.parse(response.body), 406, 'NOT_ACCEPTABLE');
    expect((await query('big', "SELECT count(*) AS n FROM t WHERE name = 'streamed'").expect(200)).body.data).toEqual([{ n: 0 }]);
  });

  it('answers a statement that fails at once with the normal error body and status', async () => {
    const response = await rawQuery(gateway, 'big', { sql: 'SELECT * FROM missing' }, 'application/x-ndjson');
    expect(response.status).toBe(400);
    expect(expectError(JSON.parse(response.body), 400, 'SQL_ERROR').detail).toBe('SQL Error: no such table: missing');
    const policy = await rawQuery(gateway, 'big', { sql: 'PRAGMA database_list' }, 'text/csv');
    expect(policy.status).toBe(403);
  });

  it('cuts a stream that fails mid-way: NDJSON ends with an error line and the response is left incomplete', async () => {
    const response = await rawQuery(
      gateway,
      'big',
      { sql: 'SELECT id, CASE WHEN id < 3000 THEN id ELSE abs(-9223372036854775807 - 1) END AS v FROM t ORDER BY id' },
      'application/x-ndjson',
    );
    expect(response.status).toBe(200);
    expect(response.complete).toBe(false);
    const received = lines(response.body).map((line) => JSON.parse(line));
    const last = received[received.length - 1];
    expect(last).toEqual({ error: { code: 'SQL_ERROR', message: 'SQL Error: integer overflow', status: 400 } });
    expect(received.slice(0, -1).every((row, i) => row.id === i + 1)).toBe(true);
    expect(received.length - 1).toBeLessThan(3000);
    // The reader was handed back: the only one (DBFORGE_POOL_READERS=1) serves the next read.
    await query('big', 'SELECT count(*) AS n FROM t').expect(200);
  });

  it('lets a read key stream a read', async () => {
    const { key } = (await gateway.http.post('/admin/databases/big/keys').set(admin).send({ scope: 'read' }).expect(201)).body;
    const response = await rawQuery(gateway, 'big', { sql: 'SELECT id FROM t WHERE id <= 3' }, 'application/x-ndjson', { Authorization: `Bearer ${key}` });
    expect(response.body).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
    const write = await rawQuery(gateway, 'big', { sql: 'DELETE FROM t' }, 'application/x-ndjson', { Authorization: `Bearer ${key}` });
    expect(write.status).toBe(406);
  });

  it('hands the reader back when the client hangs up mid-stream', async () => {
    const { port } = gateway.app.getHttpServer().address() as AddressInfo;
    const payload = JSON.stringify({ sql: 'SELECT a.id, b.id FROM t a, t b' }); // 25 million rows
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/db/big/query', headers: { ...admin, Accept: 'application/x-ndjson', 'Content-Type': 'application/json' } },
        (response) => {
          response.once('data', () => {
            request.destroy();
            resolve();
          });
        },
      );
      request.on('error', () => undefined);
      request.on('close', () => resolve());
      request.end(payload);
      setTimeout(() => reject(new Error('no data')), 10000).unref();
    });
    // With one reader, this read can only run once the abandoned stream has given its reader back.
    await query('big', 'SELECT count(*) AS n FROM t').expect(200, { data: [{ n: 5000 }], rows_affected: 1 });
  });

  describe('POST /query in batches (one trip to SQLite per batch)', () => {
    const B = STREAM_BATCH_ROWS;

    it.each([0, 1, 2, B - 1, B, B + 1, 2 * B, 2 * B + 1])('streams a result of %i rows whole, as NDJSON and as CSV', async (count) => {
      const ndjson = await rawQuery(gateway, 'big', { sql: 'SELECT id, data FROM t WHERE id <= ? ORDER BY id', params: [count] }, 'application/x-ndjson');
      expect(ndjson.status).toBe(200);
      expect(ndjson.complete).toBe(true);
      const rows = lines(ndjson.body).map((line) => JSON.parse(line));
      expect(rows.map((row) => row.id)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(rows.every((row) => row.data === (row.id % 2 === 0 ? 'AP8=' : null))).toBe(true);
      const csv = await rawQuery(gateway, 'big', { sql: 'SELECT id, name FROM t WHERE id <= ? ORDER BY id', params: [count] }, 'text/csv');
      expect(csv.complete).toBe(true);
      expect(csv.body).toBe(count === 0 ? '' : ['id,name', ...Array.from({ length: count }, (_, i) => `${i + 1},row ${i + 1}`), ''].join('\r\n'));
    });

    it('cuts the stream at a runtime error in a later batch, after the batches before it, with the error line', async () => {
      const response = await rawQuery(gateway, 'big', { sql: "SELECT CASE WHEN id = 1500 THEN json('bad') ELSE id END AS x FROM t ORDER BY id" }, 'application/x-ndjson');
      expect(response.status).toBe(200);
      expect(response.complete).toBe(false);
      const received = lines(response.body).map((line) => JSON.parse(line));
      expect(received.pop()).toEqual({ error: { code: 'SQL_ERROR', message: 'SQL Error: malformed JSON', status: 400 } });
      // Whole batches went out before the one that failed; none of that one.
      expect(received.map((row) => row.x)).toEqual(Array.from({ length: Math.floor(1499 / B) * B }, (_, i) => i + 1));
      await query('big', 'SELECT count(*) AS n FROM t').expect(200);
    });

    it('answers a runtime error within the first batch with the normal error response', async () => {
      const response = await rawQuery(gateway, 'big', { sql: "SELECT CASE WHEN id = 2 THEN json('bad') ELSE id END AS x FROM t ORDER BY id" }, 'application/x-ndjson');
      expect(response.status).toBe(400);
      expect(expectError(JSON.parse(response.body), 400, 'SQL_ERROR').detail).toBe('SQL Error: malformed JSON');
    });

    it('hands the reader back when the client hangs up after some batches, and the same statement then streams whole', async () => {
      const { port } = gateway.app.getHttpServer().address() as AddressInfo;
      const sql = 'SELECT a.id AS a, b.id AS b FROM t a, t b ORDER BY a.id, b.id'; // 25 million rows
      for (let attempt = 0; attempt < 3; attempt++) {
        const received = await new Promise<number>((resolve, reject) => {
          let bytes = 0;
          const request = httpRequest(
            { host: '127.0.0.1', port, method: 'POST', path: '/api/db/big/query', headers: { ...admin, Accept: 'application/x-ndjson', 'Content-Type': 'application/json' } },
            (response) => {
              response.on('data', (chunk: Buffer) => {
                bytes += chunk.length;
                if (bytes > 5 * B * 20) request.destroy(); // a few batches in
              });
            },
          );
          request.on('error', () => undefined);
          request.on('close', () => resolve(bytes));
          request.end(JSON.stringify({ sql }));
          setTimeout(() => reject(new Error('the stream did not end')), 10000).unref();
        });
        expect(received).toBeGreaterThan(5 * B * 20);
        // One reader (DBFORGE_POOL_READERS=1): this read runs only once the stream has given it back.
        await query('big', 'SELECT count(*) AS n FROM t').expect(200, { data: [{ n: 5000 }], rows_affected: 1 });
      }
      const whole = await rawQuery(gateway, 'big', { sql: `${sql} LIMIT ?`, params: [3 * B + 7] }, 'application/x-ndjson');
      expect(whole.complete).toBe(true);
      const rows = lines(whole.body).map((line) => JSON.parse(line));
      expect(rows).toHaveLength(3 * B + 7);
      expect(rows[0]).toEqual({ a: 1, b: 1 });
      expect(rows[3 * B + 6]).toEqual({ a: 1, b: 3 * B + 7 });
    });

    it('is cut by a restore mid-stream with the STREAM_INTERRUPTED line, and the restored database serves reads', async () => {
      await gateway.http.post('/admin/databases/spawn/swapq').set(admin).expect(201);
      await query('swapq', 'CREATE TABLE n (x INTEGER)').expect(200);
      await query('swapq', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) INSERT INTO n SELECT x FROM c').expect(200);
      const snapshot = (await gateway.http.post('/admin/databases/swapq/snapshots').set(admin).expect(201)).body.id as string;
      await query('swapq', 'DELETE FROM n WHERE x > 100').expect(200);
      await query('swapq', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) INSERT INTO n SELECT x FROM c').expect(200);
      const { port } = gateway.app.getHttpServer().address() as AddressInfo;
      let ended!: () => void;
      const streamEnded = new Promise<void>((resolve) => (ended = resolve));
      const response = await new Promise<IncomingMessage>((resolve) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/db/swapq/query', headers: { ...admin, Accept: 'application/x-ndjson', 'Content-Type': 'application/json' } },
          (answer) => {
            answer.pause(); // a slow client: the gateway holds a batch or two, not the result
            answer.on('close', ended);
            resolve(answer);
          },
        );
        request.on('error', ended);
        request.end(JSON.stringify({ sql: 'SELECT x FROM n' }));
      });
      expect(response.statusCode).toBe(200);
      await gateway.http.post(`/admin/databases/swapq/snapshots/${snapshot}/restore`).set(admin).expect(200);
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.resume();
      await streamEnded;
      expect(response.complete).toBe(false);
      const received = lines(text);
      expect(JSON.parse(received.pop() ?? '{}')).toEqual({ error: { code: 'STREAM_INTERRUPTED', message: expect.stringContaining('restored'), status: 409 } });
      expect(received.length).toBeGreaterThan(0);
      expect(received.length).toBeLessThan(300100);
      expect(received.map((line) => JSON.parse(line).x)).toEqual(Array.from({ length: received.length }, (_, i) => (i < 100 ? i + 1 : i - 99)));
      await query('swapq', 'SELECT count(*) AS c FROM n').expect(200, { data: [{ c: 200000 }], rows_affected: 1 });
    });
  });

  describe('GET rows', () => {
    it('streams every matching row in order, past the row cap, through keyset pages', async () => {
      const response = await rawGet(gateway, '/api/db/big/tables/t/rows?id__gt=100&_order=score.desc&_select=id,name', 'application/x-ndjson');
      expect(response.status).toBe(200);
      expect(response.complete).toBe(true);
      const rows = lines(response.body).map((line) => JSON.parse(line));
      expect(rows).toHaveLength(4900);
      expect(rows[0]).toEqual({ id: 5000, name: 'row 5000' });
      expect(rows.map((row) => row.id)).toEqual(Array.from({ length: 4900 }, (_, i) => 5000 - i));
    });

    it('honours _limit, _offset and _after as the start, and streams CSV', async () => {
      const limited = await rawGet(gateway, '/api/db/big/tables/t/rows?_select=id&_offset=10&_limit=1500', 'text/csv');
      const records = limited.body.split('\r\n').filter(Boolean);
      expect(records).toHaveLength(1501);
      expect(records.slice(0, 3)).toEqual(['id', '11', '12']);
      expect(records[1500]).toBe('1510');
      const page = await gateway.http.get('/api/db/big/tables/t/rows?_select=id&_limit=2').set(admin).expect(200);
      const after = await rawGet(gateway, `/api/db/big/tables/t/rows?_select=id&_limit=3&_after=${page.body.next_cursor}`, 'application/x-ndjson');
      expect(after.body).toBe('{"id":3}\n{"id":4}\n{"id":5}\n');
    });

    it('is one consistent snapshot: rows written while the client is slow are not in it', async () => {
      const before = (await query('big', 'SELECT count(*) AS n FROM t').expect(200)).body.data[0].n as number;
      const response = await rawGet(gateway, '/api/db/big/tables/t/rows?_select=id', 'application/x-ndjson', async (stream) => {
        stream.pause();
        await query('big', "INSERT INTO t (name) VALUES ('written during the stream')").expect(200);
        await query('big', 'DELETE FROM t WHERE id = 4999').expect(200);
        stream.resume();
      });
      const ids = lines(response.body).map((line) => JSON.parse(line).id as number);
      expect(ids).toHaveLength(before);
      expect(ids).toContain(4999);
      await query('big', "DELETE FROM t WHERE name = 'written during the stream'").expect(200);
      await query('big', "INSERT INTO t (id, name, score) VALUES (4999, 'row 4999', 1249.75)").expect(200);
    });

    it('streams a view (no row key) as one statement, and refuses _count and bad filters before streaming', async () => {
      await query('big', 'CREATE VIEW evens AS SELECT id FROM t WHERE id % 2 = 0').expect(200);
      const view = await rawGet(gateway, '/api/db/big/tables/evens/rows?_limit=3', 'application/x-ndjson');
      expect(view.body).toBe('{"id":2}\n{"id":4}\n{"id":6}\n');
      const counted = await rawGet(gateway, '/api/db/big/tables/t/rows?_count=true', 'application/x-ndjson');
      expect(counted.status).toBe(400);
      expectError(JSON.parse(counted.body), 400, 'VALIDATION_FAILED');
      const unknown = await rawGet(gateway, '/api/db/big/tables/t/rows?nope=1', 'text/csv');
      expectError(JSON.parse(unknown.body), 400, 'UNKNOWN_COLUMN');
      const missing = await rawGet(gateway, '/api/db/big/tables/nothing/rows', 'text/csv');
      expectError(JSON.parse(missing.body), 400, 'TABLE_NOT_FOUND');
    });
  });

  it('is in the OpenAPI document: three response types, and no Accept parameter that Swagger UI would ask for', async () => {
    const document = (await gateway.http.get('/docs-json').expect(200)).body;
    const operation = document.paths['/api/db/{db_name}/query'].post;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['application/json', 'application/x-ndjson', 'text/csv']);
    expect(operation.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(['db_name']);
    expect(operation.responses['406']).toBeDefined();
  });

  describe('client and CLI', () => {
    const failingSql = 'SELECT id, CASE WHEN id < 3000 THEN id ELSE abs(-9223372036854775807 - 1) END AS v FROM t ORDER BY id';
    let client: DbForgeClient;
    let url: string;

    beforeAll(async () => {
      url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
      client = new DbForgeClient({ baseUrl: url, apiKey: ADMIN });
    });

    it('DbForgeClient.streamRows yields every row, and throws the server error of a cut stream', async () => {
      let count = 0;
      for await (const row of client.streamRows('big', 'SELECT id, name FROM t WHERE id > ?', [10])) {
        count++;
        if (count === 1) expect(row).toEqual({ id: 11, name: 'row 11' });
      }
      expect(count).toBe(4990);
      const consume = async () => {
        for await (const row of client.streamRows('big', failingSql)) expect(row).toBeDefined();
      };
      await expect(consume()).rejects.toMatchObject({ status: 400, code: 'SQL_ERROR', message: 'SQL Error: integer overflow' });
      await expect(client.streamQuery('big', 'SELECT * FROM nowhere', undefined, 'csv')).rejects.toBeInstanceOf(DbForgeError);
    });

    it('dbforge query --format csv|ndjson streams to standard output; a cut stream exits 1', async () => {
      requireBuiltCli();
      const env = { DBFORGE_URL: url, DBFORGE_KEY: ADMIN };
      const csv = await cli(['query', 'big', 'SELECT id, name FROM t ORDER BY id', '--format', 'csv'], env);
      expect(csv.status).toBe(0);
      const records = csv.stdout.split('\r\n').filter(Boolean);
      expect(records).toHaveLength(5001);
      expect(records[1]).toBe('1,row 1');
      const ndjson = await cli(['query', 'big', 'SELECT id FROM t WHERE id <= 2', '--format=ndjson'], env);
      expect(ndjson.stdout).toBe('{"id":1}\n{"id":2}\n');
      const cut = await cli(['query', 'big', failingSql, '--format', 'ndjson'], env);
      expect(cut.status).toBe(1);
      expect(cut.stdout.trimEnd().split('\n').pop()).toBe('{"error":{"code":"SQL_ERROR","message":"SQL Error: integer overflow","status":400}}');
      expect(cut.stderr).toMatch(/stream broke off/);
      const bad = await cli(['query', 'big', 'SELECT 1', '--format', 'xml'], env);
      expect(bad.status).toBe(2);
    });
  });

  it('does not let a stalled stream hold up a restore either: the stream is cut, the restore goes through', async () => {
    await gateway.http.post('/admin/databases/spawn/swap').set(admin).expect(201);
    await query('swap', 'CREATE TABLE n (x INTEGER)').expect(200);
    await query('swap', 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) INSERT INTO n SELECT x FROM c').expect(200);
    const snapshot = (await gateway.http.post('/admin/databases/swap/snapshots').set(admin).expect(201)).body.id as string;
    const { port } = gateway.app.getHttpServer().address() as AddressInfo;
    let ended!: () => void;
    const streamEnded = new Promise<void>((resolve) => (ended = resolve));
    const response = await new Promise<IncomingMessage>((resolve) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'GET', path: '/api/db/swap/tables/n/rows', headers: { ...admin, Accept: 'application/x-ndjson' } },
        (answer) => {
          answer.pause();
          answer.on('close', ended);
          resolve(answer);
        },
      );
      request.on('error', ended);
      request.end();
    });
    expect(response.statusCode).toBe(200);
    await gateway.http.post(`/admin/databases/swap/snapshots/${snapshot}/restore`).set(admin).expect(200);
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.resume();
    await streamEnded;
    expect(response.complete).toBe(false);
    // The last line says why: the database was restored (it is not gone).
    expect(JSON.parse(lines(text).pop() ?? '{}')).toEqual({ error: { code: 'STREAM_INTERRUPTED', message: expect.stringContaining('restored'), status: 409 } });
    await query('swap', 'SELECT count(*) AS c FROM n').expect(200, { data: [{ c: 200000 }], rows_affected: 1 });
  });

  it('does not let a stalled stream hold up a prune, and the stream ends', async () => {
    await gateway.http.post('/admin/databases/spawn/stall').set(admin).expect(201);
    await query('stall', "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) FROM c").expect(200);
    const { port } = gateway.app.getHttpServer().address() as AddressInfo;
    let ended!: () => void;
    const streamEnded = new Promise<void>((resolve) => (ended = resolve));
    const started = new Promise<IncomingMessage>((resolve) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/db/stall/query', headers: { ...admin, Accept: 'application/x-ndjson', 'Content-Type': 'application/json' } },
        (response) => {
          response.pause(); // a client that stops reading
          response.on('close', ended);
          response.on('error', ended);
          resolve(response);
        },
      );
      request.on('error', ended);
      request.end(JSON.stringify({ sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) SELECT x, printf('%0200d', x) AS pad FROM c" }));
    });
    const response = await started;
    expect(response.statusCode).toBe(200);
    await gateway.http.post('/admin/databases/prune/stall').set(admin).expect(200);
    response.resume();
    await streamEnded;
    expect(response.complete).toBe(false);
  });
});
