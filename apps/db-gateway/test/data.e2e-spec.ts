import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('data API (v1 contract)', () => {
  let gateway: TestGateway;
  const query = (sql: string, params?: unknown) => gateway.http.post('/api/db/shop/query').send(params === undefined ? { sql } : { sql, params });

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    await gateway.http.post('/admin/databases/spawn/shop').expect(201);
    await gateway.http
      .post('/api/db/shop/tables')
      .send({
        table_name: 'users',
        columns: [
          { name: 'id', type: 'INTEGER', primary_key: true },
          { name: 'name', type: 'TEXT', not_null: true },
          { name: 'age', type: 'INTEGER', default: 0 },
        ],
      })
      .expect(201);
    await gateway.http.post('/api/db/shop/tables/users/rows').send({ rows: [{ name: 'Ada', age: 36 }, { name: 'Alan', age: 41 }] }).expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe("v1's order of checks", () => {
    // Bodies that fail validation; on a database that does not exist v1 answered 404 before looking at them.
    const invalid: [string, string, object][] = [
      ['post', 'query', {}],
      ['post', 'query', { sql: 42 }],
      ['post', 'transaction', { statements: 'not a list' }],
      ['post', 'tables', { table_name: 'ok', columns: [] }],
      ['post', 'tables/users/rows', { rows: 'not a list' }],
      ['patch', 'tables/users/rows?id=1', { set: 'nothing' }],
      ['post', 'tables/users/columns', { name: '' }],
      ['post', 'tables/users/indexes', { columns: [] }],
    ];

    it.each(invalid)('answers %s %s with 404 on a missing database before validating the body', async (method, path, body) => {
      const missing = await gateway.http[method as 'post' | 'patch'](`/api/db/no_such_db/${path}`).send(body).expect(404);
      expect(expectError(missing.body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    });

    it.each(invalid)('still answers %s %s with 400 on a database that exists', async (method, path, body) => {
      const refused = await gateway.http[method as 'post' | 'patch'](`/api/db/shop/${path}`).send(body);
      expect(refused.status).toBe(400);
    });

    it('answers the reads and deletes of a missing database with 404 too', async () => {
      for (const request of [
        gateway.http.get('/api/db/no_such_db/tables'),
        gateway.http.get('/api/db/no_such_db/tables/users'),
        gateway.http.get('/api/db/no_such_db/tables/users/rows?bad__op=1'),
        gateway.http.delete('/api/db/no_such_db/tables/users/rows'),
        gateway.http.delete('/api/db/no_such_db/tables/users'),
      ]) {
        expectError((await request.expect(404)).body, 404, 'DATABASE_NOT_FOUND');
      }
    });

    it('keeps a malformed name a 400', async () => {
      expectError((await gateway.http.post('/api/db/.hidden/query').send({ sql: 'SELECT 1' }).expect(400)).body, 400, 'INVALID_DATABASE_NAME');
    });
  });

  describe('POST /api/db/{db}/query', () => {
    it('returns rows of a SELECT with positional parameters', async () => {
      const response = await query('SELECT name, age FROM users WHERE age > ? ORDER BY id', [30]).expect(200);
      expect(response.body).toEqual({ data: [{ name: 'Ada', age: 36 }, { name: 'Alan', age: 41 }], rows_affected: 2 });
    });

    it('returns an empty data array for a SELECT that matches nothing', async () => {
      const response = await query('SELECT * FROM users WHERE age > 1000').expect(200);
      expect(response.body).toEqual({ data: [], rows_affected: 0 });
    });

    it.each([
      ['prefixed', { ':min': 40 }],
      ['unprefixed', { min: 40 }],
    ])('binds named parameters given %s', async (_label, params) => {
      const response = await query('SELECT name FROM users WHERE age > :min', params).expect(200);
      expect(response.body.data).toEqual([{ name: 'Alan' }]);
    });

    it('binds parameters whose names are also JavaScript property names', async () => {
      const response = await query('SELECT :constructor AS a, :toString AS b', { constructor: 1, toString: 2 }).expect(200);
      expect(response.body.data).toEqual([{ a: 1, b: 2 }]);
    });

    it('binds $name and @name parameters, booleans as 1/0 and null', async () => {
      const response = await query('SELECT $a AS a, @b AS b, :c AS c', { a: true, b: false, c: null }).expect(200);
      expect(response.body.data).toEqual([{ a: 1, b: 0, c: null }]);
    });

    it('reports a write with message, rows_affected and last_insert_id', async () => {
      const insert = await query('INSERT INTO users (name, age) VALUES (?, ?)', ['Grace', 45]).expect(200);
      expect(insert.body).toEqual({ message: 'Query executed successfully.', rows_affected: 1, last_insert_id: expect.any(Number) });
      const id = insert.body.last_insert_id as number;
      const row = await query('SELECT name FROM users WHERE id = ?', [id]).expect(200);
      expect(row.body.data).toEqual([{ name: 'Grace' }]);

      const update = await query('UPDATE users SET age = age + 1 WHERE age >= ?', [36]).expect(200);
      expect(update.body.rows_affected).toBe(3);
      const remove = await query('DELETE FROM users WHERE id = ?', [id]).expect(200);
      expect(remove.body.rows_affected).toBe(1);
      await query('UPDATE users SET age = age - 1').expect(200);
    });

    it('reports 0 rows affected for DDL, even right after a DML statement', async () => {
      await query('UPDATE users SET age = age').expect(200);
      const ddl = await query('CREATE TABLE scratch (v TEXT)').expect(200);
      expect(ddl.body).toEqual({ message: 'Query executed successfully.', rows_affected: 0, last_insert_id: expect.any(Number) });
      await query('DROP TABLE scratch').expect(200);
    });

    it.each([
      ['WITH', 'WITH adults AS (SELECT name FROM users WHERE age > 40) SELECT * FROM adults', [{ name: 'Alan' }]],
      ['PRAGMA table_info', 'PRAGMA table_info(users)', expect.arrayContaining([expect.objectContaining({ name: 'age', dflt_value: '0' })])],
      ['EXPLAIN QUERY PLAN', 'EXPLAIN QUERY PLAN SELECT * FROM users WHERE id = 1', expect.arrayContaining([expect.objectContaining({ detail: expect.any(String) })])],
      ['VALUES', 'VALUES (1, 2)', [{ column1: 1, column2: 2 }]],
      ['leading comment', '/* hi */ -- there\n SELECT 7 AS n', [{ n: 7 }]],
    ])('returns the rows of a %s statement', async (_label, sql, data) => {
      const response = await query(sql).expect(200);
      expect(response.body.data).toEqual(data);
    });

    it('returns the rows of INSERT ... RETURNING and commits them', async () => {
      const response = await query("INSERT INTO users (name, age) VALUES ('Linus', 30) RETURNING id, name").expect(200);
      expect(response.body).toEqual({ data: [{ id: expect.any(Number), name: 'Linus' }], rows_affected: 1, last_insert_id: response.body.data[0].id });
      await query('DELETE FROM users WHERE name = ?', ['Linus']).expect(200);
    });

    it('runs VACUUM (SQLite attaches a temporary database for it, which user statements may not)', async () => {
      const response = await query('VACUUM').expect(200);
      expect(response.body).toEqual({ message: 'Query executed successfully.', rows_affected: 0, last_insert_id: 0 });
      await query("ATTACH DATABASE ':memory:' AS m").expect(403);
    });

    it('returns BLOBs as base64 text', async () => {
      const response = await query("SELECT X'DEADBEEF' AS b").expect(200);
      expect(response.body.data).toEqual([{ b: Buffer.from('deadbeef', 'hex').toString('base64') }]);
    });

    it.each([
      ['a syntax error', 'SELEC 1', 'SQL_ERROR', 'SQL Error: near "SELEC": syntax error'],
      ['a missing table', 'SELECT * FROM nowhere', 'SQL_ERROR', 'SQL Error: no such table: nowhere'],
      ['a missing column', 'SELECT nope FROM users', 'SQL_ERROR', 'SQL Error: no such column: nope'],
      ['a constraint', 'INSERT INTO users (id, name) VALUES (1, \'dup\')', 'CONSTRAINT_VIOLATION', 'SQL Error: UNIQUE constraint failed: users.id'],
      ['a NOT NULL constraint', 'INSERT INTO users (age) VALUES (1)', 'CONSTRAINT_VIOLATION', 'SQL Error: NOT NULL constraint failed: users.name'],
      ['two statements', 'SELECT 1; DROP TABLE users', 'MULTIPLE_STATEMENTS', 'SQL Error: You can only execute one statement at a time.'],
      ['an empty statement', ' ; -- nothing', 'SQL_ERROR', 'SQL Error: the statement is empty.'],
      ['BEGIN', 'BEGIN', 'TRANSACTION_CONTROL_NOT_ALLOWED', expect.stringContaining('SQL Error: ')],
      ['SAVEPOINT', 'SAVEPOINT s1', 'TRANSACTION_CONTROL_NOT_ALLOWED', expect.stringContaining('SQL Error: ')],
    ])('answers %s with 400 and "SQL Error: ..."', async (_label, sql, code, detail) => {
      const response = await query(sql).expect(400);
      expect(expectError(response.body, 400, code).detail).toEqual(detail);
    });

    it('refuses wrong parameter counts and unknown names instead of binding NULL', async () => {
      const few = await query('SELECT ? AS a, ? AS b', [1]).expect(400);
      expect(few.body.detail).toBe('SQL Error: Incorrect number of bindings supplied. The current statement uses 2, and there are 1 supplied.');
      await query('SELECT ? AS a', [1, 2]).expect(400);
      const unknown = await query('SELECT :a AS a', { a: 1, b: 2 }).expect(400);
      expect(unknown.body.detail).toBe("SQL Error: the statement has no parameter named 'b'.");
      const missing = await query('SELECT :a AS a, :b AS b', { a: 1 }).expect(400);
      expect(missing.body.detail).toBe('SQL Error: You did not supply a value for binding parameter :b.');
    });

    it('keeps a semicolon inside a string or a trigger body as part of one statement', async () => {
      await query("SELECT 'a;b' AS v").expect(200);
      await query('CREATE TABLE audit (msg TEXT)').expect(200);
      await query("CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES ('x;' || CASE WHEN NEW.age > 1 THEN 'old' ELSE 'young' END); END").expect(200);
      await query("INSERT INTO users (name, age) VALUES ('Trig', 5)").expect(200);
      expect((await query('SELECT msg FROM audit').expect(200)).body.data).toEqual([{ msg: 'x;old' }]);
      await query('DROP TRIGGER users_audit').expect(200);
      await query("DELETE FROM users WHERE name = 'Trig'").expect(200);
    });
  });

  describe('POST /api/db/{db}/tables', () => {
    it('creates a table with quoted names, composite keys and literal defaults', async () => {
      const response = await gateway.http
        .post('/api/db/shop/tables')
        .send({
          table_name: 'order_items',
          columns: [
            { name: 'order_id', type: 'INTEGER', primary_key: true },
            { name: 'sku', type: 'VARCHAR(32)', primary_key: true, not_null: true },
            { name: 'note', type: 'TEXT', default: "it's; DROP TABLE users; --" },
            { name: 'price', type: 'DECIMAL(10, 2)', default: -1.5 },
            { name: 'gift', type: 'BOOLEAN', default: false },
            { name: 'select', type: 'TEXT' },
            { name: 'constructor', type: 'TEXT' },
          ],
        })
        .expect(201);
      expect(response.body).toEqual({ message: "Table 'order_items' created successfully." });
      await gateway.http.post('/api/db/shop/tables/order_items/rows').send({ rows: [{ order_id: 1, sku: 'A', select: 'kw', constructor: 'ok' }] }).expect(201);
      const rows = await gateway.http.get('/api/db/shop/tables/order_items/rows').expect(200);
      expect(rows.body.data).toEqual([{ order_id: 1, sku: 'A', note: "it's; DROP TABLE users; --", price: -1.5, gift: 0, select: 'kw', constructor: 'ok' }]);
      const pk = await query("SELECT name, pk FROM pragma_table_info('order_items') WHERE pk > 0 ORDER BY pk").expect(200);
      expect(pk.body.data).toEqual([{ name: 'order_id', pk: 1 }, { name: 'sku', pk: 2 }]);
      expect((await query('SELECT count(*) AS n FROM users').expect(200)).body.data).toEqual([{ n: 2 }]);
    });

    it('succeeds again for an existing table, as v1 (CREATE TABLE IF NOT EXISTS)', async () => {
      const body = { table_name: 'users', columns: [{ name: 'id', type: 'INTEGER' }] };
      const response = await gateway.http.post('/api/db/shop/tables').send(body).expect(201);
      expect(response.body).toEqual({ message: "Table 'users' created successfully." });
      expect((await query('SELECT count(*) AS n FROM users').expect(200)).body.data).toEqual([{ n: 2 }]);
    });

    it.each([
      ['a table name with a quote', { table_name: 'x"; DROP TABLE users; --', columns: [{ name: 'a', type: 'TEXT' }] }, 'INVALID_IDENTIFIER', 'table_name'],
      ['a sqlite_ table name', { table_name: 'sqlite_master', columns: [{ name: 'a', type: 'TEXT' }] }, 'INVALID_IDENTIFIER', 'table_name'],
      ['a column name with a space', { table_name: 't1', columns: [{ name: 'a b', type: 'TEXT' }] }, 'INVALID_IDENTIFIER', 'columns.0.name'],
      ['a type with SQL in it', { table_name: 't1', columns: [{ name: 'a', type: 'TEXT) ; DROP TABLE users; --' }] }, 'INVALID_IDENTIFIER', 'columns.0.type'],
      ['a type with a constraint', { table_name: 't1', columns: [{ name: 'a', type: 'TEXT REFERENCES users' }] }, 'INVALID_IDENTIFIER', 'columns.0.type'],
      ['no columns', { table_name: 't1', columns: [] }, 'VALIDATION_FAILED', 'columns'],
      ['columns not an array', { table_name: 't1', columns: 'a TEXT' }, 'VALIDATION_FAILED', 'columns'],
      ['a non-boolean primary_key', { table_name: 't1', columns: [{ name: 'a', type: 'TEXT', primary_key: 'yes' }] }, 'VALIDATION_FAILED', 'columns.0.primary_key'],
      ['an object default', { table_name: 't1', columns: [{ name: 'a', type: 'TEXT', default: { x: 1 } }] }, 'VALIDATION_FAILED', 'columns.0.default'],
      ['an unknown column field', { table_name: 't1', columns: [{ name: 'a', type: 'TEXT', unique: true }] }, 'VALIDATION_FAILED', 'unique'],
      ['a missing table_name', { columns: [{ name: 'a', type: 'TEXT' }] }, 'INVALID_IDENTIFIER', 'table_name'],
    ])('refuses %s with 400 naming the field', async (_label, body, code, field) => {
      const response = await gateway.http.post('/api/db/shop/tables').send(body).expect(400);
      expect(expectError(response.body, 400, code).detail).toContain(field);
      expect((await query("SELECT count(*) AS n FROM sqlite_master WHERE name = 't1'").expect(200)).body.data).toEqual([{ n: 0 }]);
    });

    it('reports a duplicate column as an SQL error', async () => {
      const response = await gateway.http
        .post('/api/db/shop/tables')
        .send({ table_name: 'dup', columns: [{ name: 'a', type: 'TEXT' }, { name: 'a', type: 'TEXT' }] })
        .expect(400);
      expect(expectError(response.body, 400, 'SQL_ERROR').detail).toBe('SQL Error: duplicate column name: a');
    });
  });

  describe('POST /api/db/{db}/tables/{table}/rows', () => {
    beforeAll(async () => {
      await query('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL, qty INTEGER DEFAULT 1)').expect(200);
    });

    it('inserts rows, each with its own columns, and an empty row with defaults', async () => {
      const response = await gateway.http
        .post('/api/db/shop/tables/items/rows')
        .send({ rows: [{ label: 'a', qty: 2 }, { label: 'b' }, { id: 10, label: 'c', qty: null }] })
        .expect(201);
      expect(response.body).toEqual({ message: 'Rows inserted successfully.', rows_affected: 3 });
      const rows = await gateway.http.get('/api/db/shop/tables/items/rows').expect(200);
      expect(rows.body.data).toEqual([
        { id: 1, label: 'a', qty: 2 },
        { id: 2, label: 'b', qty: 1 },
        { id: 10, label: 'c', qty: null },
      ]);
    });

    it('inserts all rows or none', async () => {
      const before = (await query('SELECT count(*) AS n FROM items').expect(200)).body.data[0].n;
      const response = await gateway.http.post('/api/db/shop/tables/items/rows').send({ rows: [{ label: 'ok' }, { qty: 3 }] }).expect(400);
      expect(expectError(response.body, 400, 'CONSTRAINT_VIOLATION').detail).toBe('SQL Error: NOT NULL constraint failed: items.label');
      expect((await query('SELECT count(*) AS n FROM items').expect(200)).body.data[0].n).toBe(before);
    });

    it.each([
      ['no rows', { rows: [] }, 'NO_ROWS_PROVIDED', 'No rows provided.'],
      ['an unknown column', { rows: [{ label: 'x', colour: 'red' }] }, 'UNKNOWN_COLUMN', "Unknown column 'colour' in table 'items'."],
      ['an injected column name', { rows: [{ 'label") VALUES (1); --': 'x' }] }, 'UNKNOWN_COLUMN', expect.stringContaining('Unknown column')],
      ['a nested value', { rows: [{ label: { a: 1 } }] }, 'VALIDATION_FAILED', expect.stringContaining('rows must be an array of objects')],
      ['rows not an array', { rows: { label: 'x' } }, 'VALIDATION_FAILED', expect.stringContaining('rows')],
      ['a row that is not an object', { rows: ['x'] }, 'VALIDATION_FAILED', expect.stringContaining('rows')],
    ])('refuses %s with 400', async (_label, body, code, detail) => {
      const before = (await query('SELECT count(*) AS n FROM items').expect(200)).body.data[0].n;
      const response = await gateway.http.post('/api/db/shop/tables/items/rows').send(body).expect(400);
      expect(expectError(response.body, 400, code).detail).toEqual(detail);
      expect((await query('SELECT count(*) AS n FROM items').expect(200)).body.data[0].n).toBe(before);
    });

    it('answers a missing table as v1 did: 400 "SQL Error: no such table: ..."', async () => {
      const response = await gateway.http.post('/api/db/shop/tables/ghost/rows').send({ rows: [{ a: 1 }] }).expect(400);
      expect(expectError(response.body, 400, 'TABLE_NOT_FOUND').detail).toBe('SQL Error: no such table: ghost');
    });

    it('refuses a table name that is not an identifier', async () => {
      const response = await gateway.http.post('/api/db/shop/tables/items%22%3B--/rows').send({ rows: [{ label: 'x' }] }).expect(400);
      expectError(response.body, 400, 'INVALID_IDENTIFIER');
    });
  });

  describe('GET /api/db/{db}/tables/{table}/rows', () => {
    it('filters by equality on real columns, numbers matched by column affinity', async () => {
      const response = await gateway.http.get('/api/db/shop/tables/users/rows?name=Ada&age=36').expect(200);
      expect(response.body).toEqual({ data: [{ id: 1, name: 'Ada', age: 36 }], rows_affected: 1 });
      expect((await gateway.http.get('/api/db/shop/tables/users/rows?name=Nobody').expect(200)).body).toEqual({ data: [], rows_affected: 0 });
    });

    it('returns every row without filters', async () => {
      const response = await gateway.http.get('/api/db/shop/tables/users/rows').expect(200);
      expect(response.body.rows_affected).toBe(2);
    });

    it.each([
      ['an unknown column', '?colour=red', 'UNKNOWN_COLUMN'],
      ['an injected column name', '?name%3D1%20OR%201=1', 'UNKNOWN_COLUMN'],
      ['a bracketed key', '?name[a]=1', 'UNKNOWN_COLUMN'],
      ['a repeated filter', '?name=Ada&name=Alan', 'VALIDATION_FAILED'],
    ])('refuses %s with 400', async (_label, search, code) => {
      const response = await gateway.http.get(`/api/db/shop/tables/users/rows${search}`).expect(400);
      expectError(response.body, 400, code);
    });

    it('answers a missing table with 400 "SQL Error: no such table: ..."', async () => {
      const response = await gateway.http.get('/api/db/shop/tables/ghost/rows').expect(400);
      expect(response.body.detail).toBe('SQL Error: no such table: ghost');
    });
  });

  describe('request bodies', () => {
    it.each([
      ['malformed JSON', '{"sql": "SELECT 1"', 'MALFORMED_JSON', 'Malformed JSON body'],
      ['a JSON array', '[]', 'VALIDATION_FAILED', 'must be a JSON object'],
      ['a JSON string', '"SELECT 1"', 'MALFORMED_JSON', 'Malformed JSON body'],
      ['a number for sql', '{"sql": 1}', 'VALIDATION_FAILED', 'sql must be a string'],
      ['a missing sql', '{"params": []}', 'VALIDATION_FAILED', 'sql must be a string'],
      ['an empty sql', '{"sql": ""}', 'VALIDATION_FAILED', 'sql should not be empty'],
      ['an unknown field', '{"sql": "SELECT 1", "dry_run": true}', 'VALIDATION_FAILED', 'property dry_run should not exist'],
      ['nested params', '{"sql": "SELECT ?", "params": [[1]]}', 'VALIDATION_FAILED', 'params must be'],
      ['a string for params', '{"sql": "SELECT ?", "params": "1"}', 'VALIDATION_FAILED', 'params must be'],
      ['a huge number', '{"sql": "SELECT ?", "params": [1e400]}', 'VALIDATION_FAILED', 'params must be'],
    ])('refuses %s with 400 naming the problem', async (_label, raw, code, text) => {
      const response = await gateway.http.post('/api/db/shop/query').set('Content-Type', 'application/json').send(raw).expect(400);
      expect(expectError(response.body, 400, code).detail).toContain(text);
    });

    it('refuses a body without a JSON content type', async () => {
      const response = await gateway.http.post('/api/db/shop/query').set('Content-Type', 'text/plain').send('SELECT 1').expect(400);
      expectError(response.body, 400, 'VALIDATION_FAILED');
    });

    it('keeps a string that looks like a number a string (no implicit conversion)', async () => {
      const response = await query('SELECT typeof(?) AS t', ['5']).expect(200);
      expect(response.body.data).toEqual([{ t: 'text' }]);
    });
  });
});
