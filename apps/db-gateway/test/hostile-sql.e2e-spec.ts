import { request as httpRequest, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'hostile-sql-admin-key-0000';

/**
 * SQL that tries to get past what a key may do: stale plans, the temp schema, statements the scanner
 * might read differently from SQLite, shadow tables, and consumers that never read. Each class is tried
 * with several spellings; what counts is what SQLite did, checked through SQL afterwards.
 */
describe('hostile SQL', () => {
  let gateway: TestGateway;
  let readKey: string;
  let writeKey: string;
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const as = (key: string) => ({ 'X-API-Key': key });
  const query = (sql: string, headers: Record<string, string> = admin, params?: unknown) =>
    gateway.http.post('/api/db/shop/query').set(headers).send(params === undefined ? { sql } : { sql, params });
  const rows = async (sql: string) => (await query(sql).expect(200)).body.data as Record<string, unknown>[];
  const schemaObject = async (name: string) => (await rows(`SELECT type, name FROM sqlite_schema WHERE name = '${name}'`))[0] ?? null;
  const userCount = async () => (await rows('SELECT count(*) AS n FROM users'))[0].n as number;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_RATE_LIMIT_PER_SECOND: '0', DBFORGE_POOL_READERS: '3', DBFORGE_READER_WAIT_MS: '1000' });
    await gateway.http.post('/admin/databases/spawn/shop').set(admin).expect(201);
    await query('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)').expect(200);
    await query("INSERT INTO users (name) VALUES ('ada'), ('grace'), ('linus')").expect(200);
    readKey = (await gateway.http.post('/admin/databases/shop/keys').set(admin).send({ scope: 'read' }).expect(201)).body.key;
    writeKey = (await gateway.http.post('/admin/databases/shop/keys').set(admin).send({ scope: 'read-write' }).expect(201)).body.key;
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe('a read key and plans made on an older schema', () => {
    // [what the read key sends, what the admin does in between, the object that must survive or stay absent]
    const dropping: [string, string, string][] = [
      ['DROP TRIGGER IF EXISTS guard', "CREATE TRIGGER guard BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'guarded'); END", 'guard'],
      ['DROP TRIGGER IF EXISTS "Guard2"', 'CREATE TRIGGER "Guard2" AFTER INSERT ON users BEGIN SELECT 1; END', 'Guard2'],
      ['DROP VIEW IF EXISTS [report]', 'CREATE VIEW report AS SELECT name FROM users', 'report'],
      ['DROP INDEX IF EXISTS main.by_name', 'CREATE INDEX by_name ON users (name)', 'by_name'],
      ['DROP TABLE IF EXISTS `audit`', 'CREATE TABLE audit (x)', 'audit'],
    ];

    it.each(dropping)('%s: refused once the object exists, even after a no-op plan', async (sql, create, name) => {
      expect([200, 403]).toContain((await query(sql, as(readKey))).status);
      await query(create).expect(200);
      const refused = await query(sql, as(readKey)).expect(403);
      expectError(refused.body, 403, 'INSUFFICIENT_SCOPE');
      expect(await schemaObject(name)).not.toBeNull();
    });

    it('refuses CREATE ... IF NOT EXISTS once the object is gone, whichever way the admin dropped it', async () => {
      const wipe = 'CREATE TRIGGER IF NOT EXISTS wipe AFTER INSERT ON users BEGIN DELETE FROM users; END';
      await query('CREATE TRIGGER wipe AFTER INSERT ON users BEGIN SELECT 1; END').expect(200);
      expect([200, 403]).toContain((await query(wipe, as(readKey))).status);
      // Dropped inside a transaction this time: every write path must retire the plans.
      await gateway.http.post('/api/db/shop/transaction').set(admin).send({ statements: [{ sql: 'DROP TRIGGER wipe' }] }).expect(200);
      expectError((await query(wipe, as(readKey)).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
      expect(await schemaObject('wipe')).toBeNull();

      const view = 'CREATE VIEW IF NOT EXISTS names AS SELECT name FROM users';
      await gateway.http.post('/api/db/shop/tables').set(admin).send({ table_name: 'names', columns: [{ name: 'n', type: 'TEXT' }] }).expect(201);
      expect([200, 403]).toContain((await query(view, as(readKey))).status);
      await query('DROP TABLE names', as(writeKey)).expect(200);
      expectError((await query(view, as(readKey)).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
      expect(await schemaObject('names')).toBeNull();
      const before = await userCount();
      await query("INSERT INTO users (name) VALUES ('after')", as(writeKey)).expect(200);
      expect(await userCount()).toBe(before + 1);
    });

    it('cannot write in a read-only transaction either', async () => {
      await query('CREATE TABLE keep (x)').expect(200);
      const response = await gateway.http
        .post('/api/db/shop/transaction')
        .set(as(readKey))
        .send({ read_only: true, statements: [{ sql: 'SELECT 1' }, { sql: 'DROP TABLE IF EXISTS keep' }] });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await schemaObject('keep')).not.toBeNull();
    });
  });

  describe('the temp schema stays empty whatever the spelling', () => {
    const temps = [
      "CREATE TABLE 'temp'.users (id INTEGER PRIMARY KEY, name TEXT)",
      'CREATE TABLE "temp".users (id, name)',
      'CREATE TABLE `TEMP`.users (id, name)',
      'CREATE TABLE temp . users (id, name)',
      'CREATE TABLE /* x */ "TeMp"."users" (id, name)',
      'CREATE TEMPORARY TABLE shadow AS SELECT * FROM users',
      "CREATE VIEW 'temp'.users AS SELECT 1 AS id, 'x' AS name",
      'CREATE TEMP VIEW v AS SELECT 1',
      "CREATE TRIGGER 'temp'.rewrite BEFORE INSERT ON main.users BEGIN SELECT RAISE(IGNORE); END",
      'CREATE TEMPORARY TRIGGER "rewrite" AFTER INSERT ON main.users BEGIN DELETE FROM main.users; END',
      'CREATE VIRTUAL TABLE "temp".docs USING fts5(body)',
    ];

    it.each(temps)('refuses %s by a read-write key, in /query and in /transaction', async (sql) => {
      expectError((await query(sql, as(writeKey)).expect(403)).body, 403, 'STATEMENT_NOT_ALLOWED');
      const tx = await gateway.http.post('/api/db/shop/transaction').set(as(writeKey)).send({ statements: [{ sql: 'SELECT 1' }, { sql }] });
      expect(tx.status).toBe(403);
      // Writes still land in the main table and every client sees them.
      const before = await userCount();
      await query("INSERT INTO users (name) VALUES ('visible')", as(writeKey)).expect(200);
      await gateway.http.post('/api/db/shop/tables/users/rows').set(admin).send({ rows: [{ name: 'visible too' }] }).expect(201);
      expect((await query('SELECT count(*) AS n FROM users', as(readKey)).expect(200)).body.data).toEqual([{ n: before + 2 }]);
      const tables = (await gateway.http.get('/api/db/shop/tables').set(admin).expect(200)).body;
      expect(JSON.stringify(tables).match(/"users"/g)?.length).toBe(1);
    });
  });

  describe('where a statement ends is what SQLite says', () => {
    it.each([
      'CREATE TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users',
      'CREATE TRIGGER "end" AFTER INSERT ON users BEGIN SELECT CASE WHEN 1 THEN 2 END; END; DELETE FROM users',
      'CREATE TRIGGER [case] AFTER INSERT ON users BEGIN SELECT 1; END ; DELETE FROM users',
      'CREATE TRIGGER t_x AFTER INSERT ON users BEGIN SELECT 1; END;\nDELETE FROM users -- the rest',
      "SELECT 'a;b'; DELETE FROM users",
      'SELECT 1 /* ; */; DELETE FROM users',
      'SELECT [a;b] FROM (SELECT 1 AS [a;b]); DELETE FROM users',
    ])('refuses %s as two statements and runs neither', async (sql) => {
      const before = await userCount();
      expectError((await query(sql, as(writeKey)).expect(400)).body, 400, 'MULTIPLE_STATEMENTS');
      expect(await userCount()).toBe(before);
      expect(await rows("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name IN ('begin', 'end', 'case', 't_x')")).toEqual([]);
    });

    it('accepts one trigger whose body uses keywords as names', async () => {
      await query('CREATE TABLE flags (id INTEGER PRIMARY KEY, "end" INTEGER, "case" TEXT)').expect(200);
      await query('CREATE TRIGGER begin AFTER INSERT ON users BEGIN UPDATE flags SET end=1 WHERE 0; UPDATE flags SET "case" = CASE WHEN 1 THEN \'x\' END WHERE 0; END', as(writeKey)).expect(200);
      await query('CREATE TRIGGER "end" AFTER UPDATE ON users BEGIN SELECT 1; END;', as(writeKey)).expect(200);
      expect(await rows("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name IN ('begin', 'end') ORDER BY name")).toEqual([{ name: 'begin' }, { name: 'end' }]);
    });

    it.each([
      ["SELECT $a(x') AS v, file FROM pragma_database_list", { '$a(x\')': 1 }],
      ["SELECT $a(x') AS v, file FROM pragma_database_list", undefined],
      ['SELECT :x, * FROM "pragma_database_list"', { x: 1 }],
      ["SELECT @a, file FROM pragma_database_list() WHERE '' = '", undefined],
      ['SELECT file FROM main.pragma_database_list', undefined],
      ['SELECT 1 AS "$a(x\'" , file FROM pragma_database_list', undefined],
      ["SELECT #a, file FROM pragma_database_list", { '#a': 1 }],
    ])('never shows the host to a read key: %s', async (sql, params) => {
      const response = await query(sql, as(readKey), params);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(JSON.stringify(response.body)).not.toContain(gateway.dataDir);
    });
  });

  describe('dumps', () => {
    const restore = (db: string, dump: string) => gateway.http.post(`/admin/databases/${db}/restore`).set(admin).set('Content-Type', 'application/sql').send(dump);

    it('round-trips a database whose trigger is named begin', async () => {
      await gateway.http.post('/admin/databases/spawn/triggers').set(admin).expect(201);
      const on = (sql: string) => gateway.http.post('/api/db/triggers/query').set(admin).send({ sql });
      await on('CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT)').expect(200);
      await on("CREATE TRIGGER begin AFTER INSERT ON log WHEN new.what <> 'echo' BEGIN INSERT INTO log (what) VALUES ('echo'); END").expect(200);
      await on("INSERT INTO log (what) VALUES ('first')").expect(200);
      const dump = (await gateway.http.get('/admin/databases/triggers/export').set(admin).expect(200)).text;
      await on('DELETE FROM log').expect(200);
      await restore('triggers', dump).expect(200);
      await on("INSERT INTO log (what) VALUES ('second')").expect(200);
      expect((await on('SELECT what FROM log ORDER BY id').expect(200)).body.data).toEqual([{ what: 'first' }, { what: 'echo' }, { what: 'second' }, { what: 'echo' }]);
    });

    it.each([
      // The splitter must not run what follows a trigger named begin unchecked.
      "CREATE TABLE t (x);\nCREATE TRIGGER begin AFTER INSERT ON t BEGIN SELECT 1; END;\nPRAGMA writable_schema = ON;\nINSERT INTO sqlite_schema VALUES ('view', 'leak', 'leak', 0, 'CREATE VIEW leak AS SELECT file FROM pragma_database_list');\n",
      "CREATE TABLE t (x);\nCREATE TRIGGER [begin] AFTER INSERT ON t BEGIN SELECT 1; END; ATTACH 'x.db' AS x;\n",
      "CREATE TABLE t (x);\nCREATE TRIGGER \"begin\" AFTER INSERT ON t BEGIN SELECT 1; END; CREATE TEMP TABLE t2 (y);\n",
      'CREATE TABLE t (x);\nCREATE VIEW leak AS SELECT file FROM pragma_database_list;\n',
      "CREATE TABLE t (x);\nINSERT INTO t VALUES ('a\u0000b');\n",
    ])('refuses a dump that smuggles: %#', async (dump) => {
      const before = await rows('SELECT name FROM sqlite_schema ORDER BY name');
      const response = await restore('shop', dump);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await rows('SELECT name FROM sqlite_schema ORDER BY name')).toEqual(before);
    });
  });

  describe('shadow tables', () => {
    it.each([
      ['fts5', 'CREATE VIRTUAL TABLE docs5 USING fts5(body)', "INSERT INTO docs5 VALUES ('hello world')", ['DELETE FROM docs5_data', "INSERT INTO docs5_idx VALUES (1, x'00', 2)", 'UPDATE "docs5_content" SET c0 = 1', 'DROP TABLE docs5_config']],
      ['fts4', 'CREATE VIRTUAL TABLE docs4 USING fts4(body)', "INSERT INTO docs4 VALUES ('hello world')", ['DELETE FROM docs4_segdir', 'UPDATE [docs4_segments] SET block = x\'00\'']],
      ['rtree', 'CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)', 'INSERT INTO boxes VALUES (1, 0, 1)', ["UPDATE boxes_node SET data = x'00'", 'DELETE FROM boxes_rowid']],
    ])('refuses writes to the %s shadow tables; backups stay restorable', async (_kind, create, fill, attacks) => {
      await query(create, as(writeKey)).expect(200);
      await query(fill, as(writeKey)).expect(200);
      for (const attack of attacks) {
        const response = await query(attack, as(writeKey));
        expect({ attack, refused: response.status >= 400 && response.status < 500 }).toEqual({ attack, refused: true });
        const tx = await gateway.http.post('/api/db/shop/transaction').set(as(writeKey)).send({ statements: [{ sql: attack }] });
        expect(tx.status).toBeGreaterThanOrEqual(400);
        expect(tx.status).toBeLessThan(500);
      }
      expect(await rows('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const snapshot = await gateway.http.post('/admin/databases/shop/snapshots').set(admin).expect(201);
      await gateway.http.post(`/admin/databases/shop/snapshots/${snapshot.body.id}/restore`).set(admin).expect(200);
    });
  });

  describe('consumers that never read', () => {
    let port: number;

    /** Opens an NDJSON stream and reads nothing: the server is left with a full socket. */
    function stalledStream(): Promise<IncomingMessage> {
      return new Promise((resolve, reject) => {
        const body = JSON.stringify({ sql: 'SELECT * FROM big' });
        const call = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/db/shop/query', headers: { ...as(readKey), Accept: 'application/x-ndjson', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
          (response) => {
            response.pause();
            resolve(response);
          },
        );
        call.on('error', reject);
        call.end(body);
      });
    }

    beforeAll(async () => {
      port = (gateway.app.getHttpServer().address() as AddressInfo).port;
      await query("CREATE TABLE big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT i, printf('%0100d', i) AS pad FROM n").expect(200);
    });

    it('hold at most their own readers: other reads, new writes and schema listings still answer', async () => {
      const stalled = await Promise.all(Array.from({ length: 6 }, () => stalledStream()));
      try {
        const answers = await Promise.all([
          query('SELECT 1 AS one', as(writeKey)),
          query('SELECT count(*) AS n FROM users', as(readKey)),
          query(`INSERT INTO users (name) VALUES ('new text ${Date.now()}')`, as(writeKey)),
          gateway.http.get('/api/db/shop/tables').set(admin),
        ]);
        for (const answer of answers) {
          // Served, or told plainly to come back: never left hanging.
          if (answer.status === 503) expectError(answer.body, 503, 'DATABASE_BUSY');
          else expect(answer.status).toBe(200);
        }
        expect(answers[0].status).toBe(200);
        expect(answers[2].status).toBe(200);
        const refusedStreams = stalled.filter((response) => response.statusCode === 503);
        for (const response of refusedStreams) expect(response.headers['retry-after']).toBe('1');
        expect(stalled.filter((response) => response.statusCode === 200).length).toBeGreaterThan(0);
      } finally {
        for (const response of stalled) response.destroy();
      }
      // Once the consumers go away, their readers come back.
      await query('SELECT count(*) AS n FROM big', as(readKey)).expect(200);
    }, 30_000);
  });
});
