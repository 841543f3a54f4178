import { DbForgeClient } from '@dbforge/client';
import { Client, LibsqlError, createClient } from '@libsql/client';
import { TestGateway, makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

const ADMIN_KEY = 'libsql-admin-key-0123456789abcdef';

/** The real @libsql/client, unmodified, against the running gateway over HTTP (Hrana v2). */
describe('libSQL remote protocol with @libsql/client', () => {
  let gateway: TestGateway;
  let origin: string;
  let writeKey: string;
  let readKey: string;
  let otherKey: string;
  const clients: Client[] = [];

  const admin = () => gateway.http;
  const client = (url: string, authToken?: string) => {
    const made = createClient({ url, authToken });
    clients.push(made);
    return made;
  };
  const mint = async (db: string, scope: 'read' | 'read-write') =>
    (await admin().post(`/admin/databases/${db}/keys`).set('Authorization', `Bearer ${ADMIN_KEY}`).send({ scope, name: `${scope}-libsql` }).expect(201)).body.key as string;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), {
      DBFORGE_ADMIN_KEY: ADMIN_KEY,
      DBFORGE_TRANSACTION_IDLE_MS: '1000',
      DBFORGE_TRANSACTION_MAX_MS: '3000',
      DBFORGE_TRANSACTION_WAIT_MS: '1500',
      DBFORGE_MAX_RESULT_ROWS: '50',
    });
    const { port } = gateway.app.getHttpServer().address() as { port: number };
    origin = `http://127.0.0.1:${port}`;
    for (const db of ['notes', 'other']) await admin().post(`/admin/databases/spawn/${db}`).set('Authorization', `Bearer ${ADMIN_KEY}`).expect(201);
    writeKey = await mint('notes', 'read-write');
    readKey = await mint('notes', 'read');
    otherKey = await mint('other', 'read-write');
    const setup = client(`${origin}/libsql/notes/`, ADMIN_KEY);
    await setup.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE, score REAL, data BLOB)');
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  const count = async () => Number((await client(`${origin}/libsql/notes/`, ADMIN_KEY).execute('SELECT count(*) AS n FROM notes')).rows[0].n);

  it('runs statements with positional and named arguments and reads typed values back', async () => {
    const db = client(new DbForgeClient({ baseUrl: `${origin}/`, apiKey: writeKey }).libsqlUrl('notes'), writeKey);
    const inserted = await db.execute({ sql: 'INSERT INTO notes (body, score, data) VALUES (?, ?, ?)', args: ['first', 1.5, new Uint8Array([0, 1, 255])] });
    expect(inserted.rowsAffected).toBe(1);
    expect(Number(inserted.lastInsertRowid)).toBeGreaterThan(0);
    await db.execute({ sql: 'INSERT INTO notes (body, score) VALUES (:body, $score)', args: { body: 'second', score: 7 } });
    const read = await db.execute({ sql: 'SELECT id, body, score, data, NULL AS empty FROM notes WHERE body = ?', args: ['first'] });
    expect(read.columns).toEqual(['id', 'body', 'score', 'data', 'empty']);
    expect(read.columnTypes).toEqual(['INTEGER', 'TEXT', 'REAL', 'BLOB', '']);
    expect(read.rows).toHaveLength(1);
    const [row] = read.rows;
    expect(row.body).toBe('first');
    expect(row.score).toBe(1.5);
    expect(Buffer.from(row.data as ArrayBuffer)).toEqual(Buffer.from([0, 1, 255]));
    expect(row.empty).toBeNull();
    expect(row[1]).toBe('first');
  });

  it('keeps every column of a result, duplicate names and number-like names in their order', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const result = await db.execute("SELECT 1 AS a, 2 AS a, 'x' AS b, 3 AS \"0\"");
    expect(result.columns).toEqual(['a', 'a', 'b', '0']);
    expect(Array.from({ length: 4 }, (_, i) => result.rows[0][i])).toEqual([1, 2, 'x', 3]);
  });

  it('works on the bare URL with a database key, which names its database', async () => {
    const db = client(origin, writeKey);
    const result = await db.execute('SELECT count(*) AS n FROM notes');
    expect(Number(result.rows[0].n)).toBeGreaterThanOrEqual(2);
    await admin().get('/v2').set('Authorization', `Bearer ${writeKey}`).expect(200, { version: 2 });
    // The admin key names no database there: a clear error.
    await expect(client(origin, ADMIN_KEY).execute('SELECT 1')).rejects.toThrow(/names no database/);
  });

  it('refuses wrong keys, keys of another database and no key', async () => {
    await expect(client(`${origin}/libsql/notes/`, otherKey).execute('SELECT 1')).rejects.toThrow(/another database/);
    await expect(client(`${origin}/libsql/notes/`, 'not-a-key').execute('SELECT 1')).rejects.toThrow(/not valid/);
    await expect(client(`${origin}/libsql/notes/`).execute('SELECT 1')).rejects.toThrow(/API key is required/);
  });

  it('raises SQLite errors as LibsqlError with SQLite message and code', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const constraint = await db.execute({ sql: 'INSERT INTO notes (body) VALUES (?)', args: ['first'] }).catch((error: unknown) => error);
    expect(constraint).toBeInstanceOf(LibsqlError);
    expect((constraint as LibsqlError).code).toBe('SQLITE_CONSTRAINT');
    expect((constraint as LibsqlError).message).toMatch(/UNIQUE constraint failed: notes.body/);
    await expect(db.execute('SELECT * FROM missing')).rejects.toThrow(/no such table: missing/);
  });

  it('applies the statement policy: ATTACH, load_extension, VACUUM INTO and PRAGMA changes are refused', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    for (const sql of ["ATTACH DATABASE '/tmp/x.db' AS x", "SELECT load_extension('/tmp/x.so')", "VACUUM INTO '/tmp/copy.db'", 'PRAGMA journal_mode=DELETE', 'PRAGMA writable_schema=1']) {
      await expect(db.execute(sql)).rejects.toBeInstanceOf(LibsqlError);
    }
    expect((await db.execute('PRAGMA journal_mode')).rows[0].journal_mode).toBe('wal');
  });

  it('lets a read key read and refuses its writes, also inside a transaction and a batch', async () => {
    const db = client(`${origin}/libsql/notes/`, readKey);
    expect((await db.execute('SELECT count(*) AS n FROM notes')).rows).toHaveLength(1);
    const before = await count();
    await expect(db.execute("INSERT INTO notes (body) VALUES ('by a read key')")).rejects.toThrow(/may only read/);
    await expect(db.batch(["INSERT INTO notes (body) VALUES ('batched by a read key')"], 'write')).rejects.toThrow(/may only read/);
    const tx = await db.transaction('read');
    expect((await tx.execute('SELECT count(*) AS n FROM notes')).rows).toHaveLength(1);
    await expect(tx.execute("DELETE FROM notes")).rejects.toThrow(/may only read|readonly/);
    await tx.rollback();
    expect(await count()).toBe(before);
  });

  it('runs a batch atomically: one failing statement undoes the others', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const before = await count();
    await expect(db.batch(["INSERT INTO notes (body) VALUES ('batch-1')", "INSERT INTO notes (body) VALUES ('first')"], 'write')).rejects.toThrow(/UNIQUE/);
    expect(await count()).toBe(before);
    const results = await db.batch(["INSERT INTO notes (body) VALUES ('batch-2')", { sql: 'SELECT body FROM notes WHERE body = ?', args: ['batch-2'] }], 'write');
    expect(results[1].rows[0].body).toBe('batch-2');
    expect(await count()).toBe(before + 1);
  });

  it('runs several statements with executeMultiple', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    await db.executeMultiple(`
      CREATE TABLE tags (name TEXT PRIMARY KEY);
      INSERT INTO tags VALUES ('a'); -- a comment
      INSERT INTO tags VALUES ('b;c');
    `);
    expect((await db.execute('SELECT name FROM tags ORDER BY name')).rows.map((row) => row.name)).toEqual(['a', 'b;c']);
    await expect(db.executeMultiple("INSERT INTO tags VALUES ('d'); ATTACH DATABASE '/tmp/y.db' AS y;")).rejects.toBeInstanceOf(LibsqlError);
    // Refused before anything of the script ran.
    expect((await db.execute('SELECT count(*) AS n FROM tags')).rows[0].n).toBe(2);
  });

  it('commits an interactive transaction across requests, and rolls one back', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const before = await count();
    const tx = await db.transaction('write');
    await tx.execute("INSERT INTO notes (body) VALUES ('tx-commit')");
    const inside = await tx.execute("SELECT count(*) AS n FROM notes WHERE body = 'tx-commit'");
    expect(Number(inside.rows[0].n)).toBe(1);
    // Not visible outside before COMMIT, and reads go on while the transaction holds the writer.
    expect(await count()).toBe(before);
    await tx.commit();
    expect(await count()).toBe(before + 1);

    const rolled = await db.transaction('write');
    await rolled.execute("INSERT INTO notes (body) VALUES ('tx-rollback')");
    await rolled.rollback();
    expect(await count()).toBe(before + 1);
  });

  it('after an error that rolled the transaction back, runs nothing outside it until the client rolls back', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const before = await count();
    const tx = await db.transaction('write');
    await tx.execute("INSERT INTO notes (body) VALUES ('doomed')");
    await expect(tx.execute("INSERT OR ROLLBACK INTO notes (body) VALUES ('first')")).rejects.toThrow(/UNIQUE/);
    await expect(tx.execute("INSERT INTO notes (body) VALUES ('would be autocommitted')")).rejects.toThrow(/rolled back by an earlier error/);
    await expect(tx.commit()).rejects.toThrow(/rolled back by an earlier error/);
    expect(await count()).toBe(before);
  });

  it('rolls back a transaction left idle past the limit, refuses its baton, and frees the writer', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const before = await count();
    const tx = await db.transaction('write');
    await tx.execute("INSERT INTO notes (body) VALUES ('idle')");
    await new Promise((resolve) => setTimeout(resolve, 2200));
    await expect(tx.execute('SELECT 1')).rejects.toThrow(/idle longer than 1000 ms/);
    expect(await count()).toBe(before);
    await db.execute("INSERT INTO notes (body) VALUES ('after idle')");
    expect(await count()).toBe(before + 1);
  });

  it('bounds how long other writers wait behind an open transaction; reads never wait', async () => {
    const holder = client(`${origin}/libsql/notes/`, writeKey);
    const tx = await holder.transaction('write');
    await tx.execute("INSERT INTO notes (body) VALUES ('holding')");
    const started = Date.now();
    const reads = await Promise.all([count(), count(), count()]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(new Set(reads).size).toBe(1);
    // A REST write waits at most DBFORGE_TRANSACTION_WAIT_MS (1.5 s), then 503; the holder keeps it alive meanwhile.
    const keepAlive = setInterval(() => void tx.execute('SELECT 1').catch(() => undefined), 150);
    try {
      const response = await admin().post('/api/db/notes/query').set('Authorization', `Bearer ${writeKey}`).send({ sql: "INSERT INTO notes (body) VALUES ('queued')" });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('DATABASE_BUSY');
      expect(response.body.detail).toMatch(/interactive transaction/);
    } finally {
      clearInterval(keepAlive);
    }
    await tx.commit();
    const after = await admin().post('/api/db/notes/query').set('Authorization', `Bearer ${writeKey}`).send({ sql: "SELECT count(*) AS n FROM notes WHERE body IN ('holding', 'queued')" }).expect(200);
    expect(after.body.data).toEqual([{ n: 1 }]);
  });

  it('rolls back a transaction that runs past the limit even while busy', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    const before = await count();
    const tx = await db.transaction('write');
    await tx.execute("INSERT INTO notes (body) VALUES ('too long')");
    let error: unknown;
    const deadline = Date.now() + 6_000;
    while (!error && Date.now() < deadline) {
      await tx.execute('SELECT 1').catch((caught: unknown) => (error = caught));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(String(error)).toMatch(/longer than 3000 ms/);
    expect(await count()).toBe(before);
  });

  it('serves concurrent clients, each its own transaction in turn, none lost', async () => {
    const before = await count();
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const db = client(`${origin}/libsql/notes/`, writeKey);
        for (let attempt = 0; ; attempt++) {
          try {
            const tx = await db.transaction('write');
            await tx.execute({ sql: 'INSERT INTO notes (body) VALUES (?)', args: [`concurrent-${i}`] });
            await tx.commit();
            return;
          } catch (error) {
            if (attempt > 5 || !/busy|BUSY/.test(String(error))) throw error;
          }
        }
      }),
    );
    expect(await count()).toBe(before + 6);
  });

  it('refuses a baton presented by another key, and one already used', async () => {
    const opened = await admin()
      .post('/libsql/notes/v2/pipeline')
      .set('Authorization', `Bearer ${writeKey}`)
      .send({ baton: null, requests: [{ type: 'execute', stmt: { sql: 'SELECT 1' } }] })
      .expect(200);
    const baton = opened.body.baton as string;
    expect(baton).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const stolen = await admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ baton, requests: [{ type: 'close' }] }).expect(400);
    expect(stolen.headers['content-type']).toBe('application/json');
    expect(stolen.body).toMatchObject({ code: 'LIBSQL_STREAM_EXPIRED', message: expect.stringMatching(/Unknown baton/) });
    const next = await admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${writeKey}`).send({ baton, requests: [{ type: 'close' }] }).expect(200);
    expect(next.body.baton).toBeNull();
    await admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${writeKey}`).send({ baton, requests: [{ type: 'close' }] }).expect(400);
  });

  it('answers a body that is not Hrana with a clear 400, and probes of other versions with 404', async () => {
    for (const body of [{}, { requests: 'x' }, { requests: [{ type: 'nope' }] }, { baton: 3, requests: [] }]) {
      const response = await admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${writeKey}`).send(body).expect(400);
      expect(response.body.code).toBe('LIBSQL_PROTOCOL_ERROR');
    }
    const badValue = await admin()
      .post('/libsql/notes/v2/pipeline')
      .set('Authorization', `Bearer ${writeKey}`)
      .send({ requests: [{ type: 'execute', stmt: { sql: 'SELECT ?', args: [{ type: 'integer', value: '99999999999999999999' }] } }, { type: 'close' }] })
      .expect(200);
    expect(badValue.body.results[0]).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/outside ±2\^53/) } });
    await admin().get('/libsql/notes/v3-protobuf').expect(404);
    await admin().get('/libsql/notes/v2').set('Authorization', `Bearer ${readKey}`).expect(200, { version: 2 });
  });

  it('answers describe, store_sql, close_sql, get_autocommit and batch conditions on raw pipelines', async () => {
    const pipeline = async (baton: string | null, requests: unknown[]) =>
      (await admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${writeKey}`).send({ baton, requests }).expect(200)).body;
    const first = await pipeline(null, [
      { type: 'describe', sql: 'SELECT id, body AS text FROM notes WHERE id = :id' },
      { type: 'store_sql', sql_id: 1, sql: 'SELECT count(*) AS n FROM notes' },
      { type: 'get_autocommit' },
      { type: 'execute', stmt: { sql: 'BEGIN' } },
      { type: 'get_autocommit' },
    ]);
    expect(first.results[0].response.result).toEqual({ params: [{ name: ':id' }], cols: [{ name: 'id', decltype: 'INTEGER' }, { name: 'text', decltype: 'TEXT' }], is_explain: false, is_readonly: true });
    expect(first.results[2].response).toEqual({ type: 'get_autocommit', is_autocommit: true });
    expect(first.results[4].response).toEqual({ type: 'get_autocommit', is_autocommit: false });
    const second = await pipeline(first.baton, [
      {
        type: 'batch',
        batch: {
          steps: [
            { stmt: { sql_id: 1 } },
            { stmt: { sql: 'SELECT * FROM nowhere' }, condition: { type: 'ok', step: 0 } },
            { stmt: { sql: 'SELECT 1' }, condition: { type: 'error', step: 1 } },
            { stmt: { sql: 'SELECT 2' }, condition: { type: 'and', conds: [{ type: 'ok', step: 0 }, { type: 'not', cond: { type: 'error', step: 1 } }] } },
          ],
        },
      },
      { type: 'close_sql', sql_id: 1 },
      { type: 'execute', stmt: { sql_id: 1 } },
      { type: 'execute', stmt: { sql: 'ROLLBACK' } },
      { type: 'close' },
    ]);
    const batch = second.results[0].response.result;
    expect(batch.step_results.map((result: unknown) => result !== null)).toEqual([true, false, true, false]);
    expect(batch.step_errors[1]).toMatchObject({ message: expect.stringMatching(/no such table: nowhere/) });
    expect(second.results[2]).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/no SQL text is stored under sql_id 1/) } });
    expect(second.results[3].type).toBe('ok');
    expect(second.baton).toBeNull();
  });

  it('holds hostile pipelines to the limits of one request, with Hrana errors and no 500', async () => {
    const pipeline = (body: unknown, key = writeKey) => admin().post('/libsql/notes/v2/pipeline').set('Authorization', `Bearer ${key}`).send(body as object);
    const twenty = { type: 'execute', stmt: { sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 20) SELECT i FROM n' } };
    // The result limits hold for all the results of a request together, not for each statement.
    const budget = (await pipeline({ requests: [twenty, twenty, twenty, { type: 'close' }] }).expect(200)).body.results;
    expect(budget.map((result: { type: string }) => result.type)).toEqual(['ok', 'ok', 'error', 'ok']);
    expect(budget[2].error).toMatchObject({ code: 'RESULT_TOO_LARGE', message: expect.stringMatching(/all the results of one request/) });
    // So do the statement count (batch steps and script statements included) and the shapes of steps and conditions.
    const steps = Array.from({ length: 6 }, () => ({ stmt: { sql: 'SELECT 1' } }));
    const counted = await pipeline({ requests: [{ type: 'batch', batch: { steps } }, { type: 'close' }] }).expect(200);
    expect(counted.body.results[0].type).toBe('ok');
    for (const batch of [{ steps: [null, 5, 'x'] }, { steps: [{ stmt: { sql: 'SELECT 1' }, condition: JSON.parse('{"type":"not","cond":'.repeat(2000) + '{"type":"is_autocommit"}' + '}'.repeat(2000)) }] }]) {
      const response = await pipeline({ requests: [{ type: 'batch', batch }, { type: 'close' }] }).expect(200);
      expect(response.body.results[0]).toMatchObject({ type: 'error', error: { code: 'ARGS_INVALID' } });
    }
    // One key cannot crowd others out with streams left open: its oldest idle ones are dropped.
    const batons: string[] = [];
    for (let i = 0; i < 105; i++) batons.push((await pipeline({ requests: [] }, readKey).expect(200)).body.baton);
    await pipeline({ baton: batons[0], requests: [] }, readKey).expect(400);
    await pipeline({ baton: batons[104], requests: [{ type: 'close' }] }, readKey).expect(200);
    expect((await pipeline({ requests: [{ type: 'execute', stmt: { sql: 'SELECT 1' } }, { type: 'close' }] }).expect(200)).body.results[0].type).toBe('ok');
    // Errors of upper-case paths are Hrana-shaped too.
    const shouted = await admin().post('/LIBSQL/notes/v2/pipeline').set('Authorization', `Bearer ${otherKey}`).send({ requests: [] }).expect(403);
    expect(shouted.headers['content-type']).toBe('application/json');
  });

  it('refuses results past the row limit instead of cutting them silently', async () => {
    const db = client(`${origin}/libsql/notes/`, writeKey);
    await expect(db.execute('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 51) SELECT i FROM n')).rejects.toThrow(/pass 50 rows/);
    expect((await db.execute('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 50) SELECT i FROM n')).rows).toHaveLength(50);
  });

  it('counts libSQL requests in the metrics under their route and gives Server-Timing', async () => {
    const response = await admin()
      .post('/libsql/notes/v2/pipeline')
      .set('Authorization', `Bearer ${writeKey}`)
      .send({ requests: [{ type: 'execute', stmt: { sql: 'SELECT count(*) FROM notes' } }, { type: 'close' }] })
      .expect(200);
    expect(response.headers['server-timing']).toMatch(/sqlite;dur=/);
    await until(async () => {
      const metrics = await admin().get('/metrics').set('Authorization', `Bearer ${ADMIN_KEY}`);
      return /dbforge_http_requests_total\{[^}]*route="\/libsql\/:db_name\/v2\/pipeline"/.test(metrics.text);
    });
  });

  it('rolls back an open transaction when its database is pruned', async () => {
    await admin().post('/admin/databases/spawn/brief').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(201);
    const db = client(`${origin}/libsql/brief/`, ADMIN_KEY);
    await db.execute('CREATE TABLE t (v)');
    const tx = await db.transaction('write');
    await tx.execute('INSERT INTO t VALUES (1)');
    await admin().delete('/admin/databases/brief').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(200);
    await expect(tx.execute('SELECT 1')).rejects.toBeInstanceOf(Error);
  });
});
