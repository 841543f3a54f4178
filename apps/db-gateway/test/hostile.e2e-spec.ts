import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';
import { seededRandom } from './support/seeded-random';

const ADMIN = 'hostile-suite-admin-key-000';

interface Case {
  name: string;
  method?: 'get' | 'post' | 'delete' | 'patch';
  path: string;
  /** A raw string is sent as is with Content-Type application/json; an object is JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no admin key. */
  anonymous?: boolean;
  status: number;
  code: string;
}

const q = (sql: string, params?: unknown) => (params === undefined ? { sql } : { sql, params });
const nested = (depth: number) => `{"sql":"SELECT 1","params":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** Every kind of bad request; each must get exactly this status and code, and change nothing. */
const CASES: Case[] = [
  // Malformed and mistyped bodies
  { name: 'truncated JSON', path: '/api/db/victim/query', body: '{"sql":', status: 400, code: 'MALFORMED_JSON' },
  { name: 'unquoted keys', path: '/api/db/victim/query', body: '{sql: "SELECT 1"}', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a JSON string', path: '/api/db/victim/query', body: '"SELECT 1"', status: 400, code: 'MALFORMED_JSON' },
  { name: 'JSON null', path: '/api/db/victim/query', body: 'null', status: 400, code: 'MALFORMED_JSON' },
  { name: 'trailing garbage', path: '/api/db/victim/query', body: '{"sql":"SELECT 1"}xx', status: 400, code: 'MALFORMED_JSON' },
  { name: 'a JSON array', path: '/api/db/victim/query', body: '[1,2]', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'nesting 5,000 deep', path: '/api/db/victim/query', body: nested(5000), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'nesting 200,000 deep', path: '/api/db/victim/query', body: nested(200_000), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a __proto__ column', path: '/api/db/victim/tables/t/rows', body: '{"rows":[{"__proto__":{"v":"x"}}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql as a number', path: '/api/db/victim/query', body: { sql: 1 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql as an array', path: '/api/db/victim/query', body: { sql: ['SELECT 1'] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql as an object', path: '/api/db/victim/query', body: { sql: { toString: 'x' } }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql null', path: '/api/db/victim/query', body: { sql: null }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql true', path: '/api/db/victim/query', body: { sql: true }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql empty', path: '/api/db/victim/query', body: { sql: '' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql missing', path: '/api/db/victim/query', body: { params: [] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'sql over 1,000,000 characters', path: '/api/db/victim/query', body: { sql: `SELECT '${'a'.repeat(1_000_001)}'` }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'params a number', path: '/api/db/victim/query', body: q('SELECT ?', 5), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'params a string', path: '/api/db/victim/query', body: q('SELECT ?', '5'), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'params with an object value', path: '/api/db/victim/query', body: q('SELECT :a', { a: { b: 1 } }), status: 400, code: 'VALIDATION_FAILED' },
  { name: 'params 1e400', path: '/api/db/victim/query', body: '{"sql":"SELECT ?","params":[1e400]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'params -1e400', path: '/api/db/victim/query', body: '{"sql":"SELECT ?","params":[-1e400]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown field', path: '/api/db/victim/query', body: { sql: 'SELECT 1', timeout: 0 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: '__proto__ smuggling', path: '/api/db/victim/query', body: '{"sql":"SELECT 1","__proto__":{"admin":true}}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'text/plain body', path: '/api/db/victim/query', body: 'SELECT 1', headers: { 'Content-Type': 'text/plain' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a latin1 JSON body', path: '/api/db/victim/query', body: '{"sql":"SELECT 1"}', headers: { 'Content-Type': 'application/json; charset=latin1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'an unknown content encoding', path: '/api/db/victim/query', body: '{"sql":"SELECT 1"}', headers: { 'Content-Encoding': 'br-fake' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a corrupt gzip body', path: '/api/db/victim/query', body: '{"sql":"SELECT 1"}', headers: { 'Content-Encoding': 'gzip' }, status: 400, code: 'MALFORMED_JSON' },
  { name: 'a TEMP trigger on a main table', path: '/api/db/victim/query', body: q('CREATE TEMP TRIGGER wipe AFTER INSERT ON main.t BEGIN DELETE FROM main.t; END'), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'a TEMP table', path: '/api/db/victim/query', body: q('CREATE TEMPORARY TABLE tt (x)'), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'the temp schema', path: '/api/db/victim/query', body: q('CREATE TABLE temp.tt (x)'), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'positional parameters given by name', path: '/api/db/victim/query', body: q('SELECT :a, ?', { a: 1 }), status: 400, code: 'SQL_ERROR' },
  { name: 'a parameter given twice', path: '/api/db/victim/query', body: q('SELECT :a', { ':a': 1, a: 2 }), status: 400, code: 'SQL_ERROR' },
  { name: 'a body over the limit', path: '/api/db/victim/query', body: { sql: `SELECT '${'a'.repeat(2_200_000)}'` }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  // SQL errors of every kind
  { name: 'a syntax error', path: '/api/db/victim/query', body: q('SELEC * FROM t'), status: 400, code: 'SQL_ERROR' },
  { name: 'a missing table', path: '/api/db/victim/query', body: q('SELECT * FROM nope'), status: 400, code: 'SQL_ERROR' },
  { name: 'a missing column', path: '/api/db/victim/query', body: q('SELECT nope FROM t'), status: 400, code: 'SQL_ERROR' },
  { name: 'NOT NULL', path: '/api/db/victim/query', body: q('INSERT INTO t (v) VALUES (NULL)'), status: 400, code: 'CONSTRAINT_VIOLATION' },
  { name: 'a duplicate key', path: '/api/db/victim/query', body: q("INSERT INTO t (id, v) VALUES (1, 'dup')"), status: 400, code: 'CONSTRAINT_VIOLATION' },
  { name: 'a datatype mismatch', path: '/api/db/victim/query', body: q("INSERT INTO t (id, v) VALUES ('abc', 'x')"), status: 400, code: 'SQL_ERROR' },
  { name: 'an integer overflow', path: '/api/db/victim/query', body: q('SELECT abs(-9223372036854775807 - 1)'), status: 400, code: 'SQL_ERROR' },
  { name: 'a huge blob', path: '/api/db/victim/query', body: q('SELECT length(randomblob(500000000))'), status: 400, code: 'SQL_ERROR' },
  { name: 'a wrong parameter count', path: '/api/db/victim/query', body: q('SELECT ?, ?', [1]), status: 400, code: 'SQL_ERROR' },
  { name: 'an unknown named parameter', path: '/api/db/victim/query', body: q('SELECT :a', { b: 1 }), status: 400, code: 'SQL_ERROR' },
  { name: 'a stacked DROP', path: '/api/db/victim/query', body: q('SELECT 1; DROP TABLE t'), status: 400, code: 'MULTIPLE_STATEMENTS' },
  { name: 'a stacked DELETE after a quote', path: '/api/db/victim/query', body: q("SELECT * FROM t WHERE v = '' OR 1=1; DELETE FROM t"), status: 400, code: 'MULTIPLE_STATEMENTS' },
  { name: 'BEGIN', path: '/api/db/victim/query', body: q('BEGIN IMMEDIATE'), status: 400, code: 'TRANSACTION_CONTROL_NOT_ALLOWED' },
  { name: 'COMMIT', path: '/api/db/victim/query', body: q('COMMIT'), status: 400, code: 'TRANSACTION_CONTROL_NOT_ALLOWED' },
  { name: 'SAVEPOINT', path: '/api/db/victim/query', body: q('SAVEPOINT s'), status: 400, code: 'TRANSACTION_CONTROL_NOT_ALLOWED' },
  // Forbidden statements
  { name: 'ATTACH', path: '/api/db/victim/query', body: q("ATTACH DATABASE '/etc/passwd' AS p"), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'ATTACH of another database', path: '/api/db/victim/query', body: q("ATTACH 'other/other.db' AS o"), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'DETACH', path: '/api/db/victim/query', body: q('DETACH main'), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'load_extension', path: '/api/db/victim/query', body: q("SELECT load_extension('/tmp/evil.so')"), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'VACUUM INTO', path: '/api/db/victim/query', body: q("VACUUM INTO '/tmp/stolen.db'"), status: 403, code: 'STATEMENT_NOT_ALLOWED' },
  { name: 'PRAGMA writable_schema', path: '/api/db/victim/query', body: q('PRAGMA writable_schema = ON'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'PRAGMA journal_mode=DELETE', path: '/api/db/victim/query', body: q('PRAGMA journal_mode = DELETE'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'PRAGMA locking_mode', path: '/api/db/victim/query', body: q('PRAGMA locking_mode = EXCLUSIVE'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'PRAGMA temp_store_directory', path: '/api/db/victim/query', body: q("PRAGMA temp_store_directory = '/tmp'"), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'PRAGMA foreign_keys=OFF', path: '/api/db/victim/query', body: q('PRAGMA foreign_keys = OFF'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'PRAGMA database_list', path: '/api/db/victim/query', body: q('PRAGMA database_list'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'pragma_database_list()', path: '/api/db/victim/query', body: q('SELECT * FROM pragma_database_list'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  { name: 'a quoted pragma name', path: '/api/db/victim/query', body: q('PRAGMA "writable_schema" = 1'), status: 403, code: 'PRAGMA_NOT_ALLOWED' },
  // Names that try to leave the data directory
  { name: 'an encoded ../..', path: '/api/db/..%2F..%2Fetc/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'an absolute path', path: '/api/db/%2Fetc%2Fpasswd/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'a NUL', path: '/api/db/victim%00/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'a right-to-left override', path: '/api/db/%E2%80%AEmitciv/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'a fullwidth look-alike', path: '/api/db/%EF%BD%96ictim/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'a Cyrillic look-alike', path: '/api/db/vi%D1%81tim/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'an over-long name', path: `/api/db/${'v'.repeat(64)}/query`, body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'three dots', path: '/api/db/a...b/query', body: q('SELECT 1'), status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'spawning ..%2Fescape', method: 'post', path: '/admin/databases/spawn/..%2Fescape', status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'spawning a backslash path', method: 'post', path: '/admin/databases/spawn/..%5C..%5Cx', status: 400, code: 'INVALID_DATABASE_NAME' },
  { name: 'a broken percent-encoding', path: '/api/db/%FF%FE/query', body: q('SELECT 1'), status: 400, code: 'VALIDATION_FAILED' },
  // Tables, columns and filters
  { name: 'rows into sqlite_master', path: '/api/db/victim/tables/sqlite_master/rows', body: { rows: [{ type: 'table' }] }, status: 400, code: 'INVALID_IDENTIFIER' },
  { name: 'an injected filter key', method: 'get', path: '/api/db/victim/tables/t/rows?v%3D1%20OR%201=1', status: 400, code: 'UNKNOWN_COLUMN' },
  { name: 'a filter given twice', method: 'get', path: '/api/db/victim/tables/t/rows?v=a&v=b', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an injected column in rows', path: '/api/db/victim/tables/t/rows', body: { rows: [{ 'v") VALUES (1); DROP TABLE t; --': 'x' }] }, status: 400, code: 'UNKNOWN_COLUMN' },
  { name: 'a table name with a quote', path: '/api/db/victim/tables', body: { table_name: 't"; DROP TABLE t; --', columns: [{ name: 'a', type: 'TEXT' }] }, status: 400, code: 'INVALID_IDENTIFIER' },
  { name: 'a type with SQL', path: '/api/db/victim/tables', body: { table_name: 'x', columns: [{ name: 'a', type: 'TEXT); DROP TABLE t; --' }] }, status: 400, code: 'INVALID_IDENTIFIER' },
  { name: 'a NUL in a default', path: '/api/db/victim/tables', body: { table_name: 'x', columns: [{ name: 'a', type: 'TEXT', default: 'a\u0000b' }] }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a nested row value', path: '/api/db/victim/tables/t/rows', body: { rows: [{ v: ['x'] }] }, status: 400, code: 'VALIDATION_FAILED' },
  // Keys every object has through its prototype: class-transformer skips them, the values still get validated.
  { name: 'an object under a toString column', path: '/api/db/victim/tables/t/rows', body: '{"rows":[{"toString":{"nested":1}}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an array under a valueOf column', path: '/api/db/victim/tables/t/rows', body: '{"rows":[{"valueOf":[1,2,3]}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an object under a constructor column', path: '/api/db/victim/tables/t/rows', body: '{"rows":[{"constructor":{"a":"b"}}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an object under a toString param', path: '/api/db/victim/query', body: '{"sql":"SELECT :toString","params":{"toString":{"a":1}}}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an object under a hasOwnProperty param of a transaction', path: '/api/db/victim/transaction', body: '{"statements":[{"sql":"SELECT :hasOwnProperty","params":{"hasOwnProperty":{"a":1}}}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an object under a toString key of set', method: 'patch', path: '/api/db/victim/tables/t/rows?id=1', body: '{"set":{"toString":{"a":1},"v":"silently"}}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a toString field beside sql', path: '/api/db/victim/query', body: '{"sql":"SELECT 1","toString":0}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a valueOf field in a transaction statement', path: '/api/db/victim/transaction', body: '{"statements":[{"sql":"SELECT 1","valueOf":1}]}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a toLocaleString field beside rows', path: '/api/db/victim/tables/t/rows', body: '{"rows":[{"v":"x"}],"toLocaleString":1}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an isPrototypeOf field in a key request', path: '/admin/databases/victim/keys', body: '{"scope":"read","isPrototypeOf":"y"}', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no rows', path: '/api/db/victim/tables/t/rows', body: { rows: [] }, status: 400, code: 'NO_ROWS_PROVIDED' },
  { name: 'too many rows', path: '/api/db/victim/tables/t/rows', body: { rows: Array.from({ length: 51 }, (_, i) => ({ v: String(i) })) }, status: 400, code: 'TOO_MANY_STATEMENTS' },
  { name: 'a half-bad batch', path: '/api/db/victim/tables/t/rows', body: { rows: [{ v: 'fine' }, { v: null }] }, status: 400, code: 'CONSTRAINT_VIOLATION' },
  // Keys
  { name: 'no key on /admin', method: 'get', path: '/admin/databases', anonymous: true, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'no key on the data plane', path: '/api/db/victim/query', body: q('SELECT 1'), anonymous: true, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'an empty Bearer', method: 'get', path: '/admin/databases', anonymous: true, headers: { Authorization: 'Bearer ' }, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'a wrong key', method: 'get', path: '/admin/databases', anonymous: true, headers: { 'X-API-Key': 'not-the-key-at-all' }, status: 403, code: 'INVALID_API_KEY' },
  { name: 'the admin key with a prefix', method: 'get', path: '/admin/databases', anonymous: true, headers: { 'X-API-Key': `x${ADMIN}` }, status: 403, code: 'INVALID_API_KEY' },
  { name: 'a read key writing', path: '/api/db/victim/query', body: q("INSERT INTO t (v) VALUES ('x')"), anonymous: true, headers: { 'X-API-Key': '$READ' }, status: 403, code: 'INSUFFICIENT_SCOPE' },
  { name: 'a read key inserting rows', path: '/api/db/victim/tables/t/rows', body: { rows: [{ v: 'x' }] }, anonymous: true, headers: { 'X-API-Key': '$READ' }, status: 403, code: 'INSUFFICIENT_SCOPE' },
  { name: 'a key on another database', path: '/api/db/other/query', body: q('SELECT 1'), anonymous: true, headers: { 'X-API-Key': '$READ' }, status: 403, code: 'INSUFFICIENT_SCOPE' },
  { name: 'a database key on /admin', method: 'post', path: '/admin/databases/prune/victim', anonymous: true, headers: { 'X-API-Key': '$READ' }, status: 403, code: 'INSUFFICIENT_SCOPE' },
  // Wrong places
  { name: 'an unknown route', method: 'get', path: '/api/db/victim/nothing', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'a wrong method', method: 'delete', path: '/api/db/victim/query', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'an unknown database', path: '/api/db/ghost/query', body: q('SELECT 1'), status: 404, code: 'DATABASE_NOT_FOUND' },
  { name: 'pruning an unknown database', method: 'post', path: '/admin/databases/prune/ghost', status: 404, code: 'DATABASE_NOT_FOUND' },
];

/**
 * Every file under the data directory: other files with their size, SQLite files (databases, WAL,
 * SHM) by name only, since a checkpoint may legitimately move pages between them; their content is
 * compared through SQL instead.
 */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(/\.db(-wal|-shm)?$/.test(entry.name) ? relative(dir, path) : `${relative(dir, path)}:${statSync(path).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('hostile input', () => {
  let gateway: TestGateway;
  let readKey: string;
  const admin = { Authorization: `Bearer ${ADMIN}` };

  async function content(): Promise<unknown> {
    const rows = await gateway.http.post('/api/db/victim/query').set(admin).send({ sql: "SELECT (SELECT group_concat(id || ':' || v, ',') FROM t) AS t, (SELECT group_concat(name, ',') FROM sqlite_master) AS schema, (SELECT count(*) FROM other_t) AS o" });
    return rows.body;
  }

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), {
      DBFORGE_ADMIN_KEY: ADMIN,
      DBFORGE_MAX_BODY_BYTES: String(2 * 1024 * 1024),
      DBFORGE_MAX_STATEMENTS: '50',
      DBFORGE_RATE_LIMIT_PER_SECOND: '0',
    });
    for (const name of ['victim', 'other']) await gateway.http.post(`/admin/databases/spawn/${name}`).set(admin).expect(201);
    await gateway.http.post('/api/db/victim/query').set(admin).send(q('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')).expect(200);
    await gateway.http.post('/api/db/victim/query').set(admin).send(q('CREATE TABLE other_t (x)')).expect(200);
    await gateway.http.post('/api/db/victim/tables/t/rows').set(admin).send({ rows: [{ v: 'a' }, { v: 'b' }, { v: 'c' }] }).expect(201);
    readKey = (await gateway.http.post('/admin/databases/victim/keys').set(admin).send({ scope: 'read' }).expect(201)).body.key;
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES)('$name → $status $code, nothing changed, still answering', async (testCase) => {
    const before = { files: snapshot(gateway.dataDir), content: await content() };
    let call = gateway.http[testCase.method ?? 'post'](testCase.path);
    if (!testCase.anonymous) call = call.set(admin);
    for (const [name, value] of Object.entries(testCase.headers ?? {})) call = call.set(name, value === '$READ' ? readKey : value);
    if (testCase.body !== undefined) {
      if (typeof testCase.body === 'string') {
        if (!testCase.headers?.['Content-Type']) call = call.set('Content-Type', 'application/json');
        call = call.send(testCase.body);
      } else {
        call = call.send(testCase.body as object);
      }
    }
    const response = await call;
    expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status: testCase.status, code: testCase.code });
    expect(response.body).toEqual({ detail: expect.any(String), error: { code: testCase.code, message: response.body.detail, status: testCase.status } });
    expect({ files: snapshot(gateway.dataDir), content: await content() }).toEqual(before);
    await gateway.http.get('/').expect(200);
  });
});

const random = seededRandom;

describe('fuzzing the query and rows endpoints', () => {
  const SEED = Number(process.env.DBFORGE_FUZZ_SEED ?? 20261128); // set DBFORGE_FUZZ_SEED to explore or replay
  const REQUESTS = 3000;
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_RATE_LIMIT_PER_SECOND: '0', DBFORGE_STATEMENT_TIMEOUT_MS: '2000', DBFORGE_MAX_RESULT_ROWS: '100' });
    await gateway.http.post('/admin/databases/spawn/fuzz').expect(201);
    await gateway.http.post('/api/db/fuzz/query').send(q('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n REAL)')).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it(`answers ${REQUESTS} random requests without a single 5xx (seed ${SEED})`, async () => {
    const next = random(SEED);
    const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
    const pieces = ['SELECT', 'INSERT INTO t', 'UPDATE t SET', 'DELETE FROM t', 'VALUES', '(', ')', ',', ';', "'", '"', '?', ':v', '@n', '$x', '*', 'FROM', 't', 'WHERE', 'id', 'v', 'n', '=', '1', '-1', '1e308', "'x'", 'NULL', '--', '/*', '*/', 'PRAGMA', 'ATTACH', 'WITH', 'RECURSIVE', 'BEGIN', 'RETURNING', 'UNION', 'ORDER BY', 'LIMIT', 'sqlite_master', 'load_extension', 'zeroblob(9)', '\u0000', '\u202e', '😀'];
    const scalar = (): unknown => pick<() => unknown>([() => null, () => next() < 0.5, () => Math.floor(next() * 1e6) - 5e5, () => next() * 1e308, () => pick(pieces), () => 'x'.repeat(Math.floor(next() * 300))])();
    const value = (depth: number): unknown =>
      depth > 3 || next() < 0.6
        ? scalar()
        : next() < 0.5
          ? Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1))
          : Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, () => [pick(['sql', 'params', 'rows', 'v', 'n', 'id', '__proto__', 'constructor', 'x y']), value(depth + 1)]));
    const sql = () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => pick(pieces)).join(pick([' ', '', '\n']));
    const body = (): string =>
      pick<() => string>([
        () => JSON.stringify({ sql: sql() }),
        () => JSON.stringify({ sql: sql(), params: value(1) }),
        () => JSON.stringify({ rows: Array.from({ length: Math.floor(next() * 4) }, () => ({ [pick(['v', 'n', 'id', 'zz'])]: scalar() })) }),
        () => JSON.stringify(value(0)),
        () => JSON.stringify({ sql: sql() }).slice(0, Math.floor(next() * 30)),
      ])();
    const request = () => {
      const kind = next();
      if (kind < 0.55) return gateway.http.post('/api/db/fuzz/query').set('Content-Type', 'application/json').send(body());
      if (kind < 0.85) return gateway.http.post('/api/db/fuzz/tables/t/rows').set('Content-Type', 'application/json').send(body());
      const query = Array.from({ length: Math.floor(next() * 3) }, () => `${encodeURIComponent(pick(['v', 'n', 'id', 'x', '_a', '']))}=${encodeURIComponent(String(scalar()))}`).join('&');
      return gateway.http.get(`/api/db/fuzz/tables/${pick(['t', 't2', 'sqlite_master'])}/rows?${query}`);
    };
    const statuses = new Map<number, number>();
    const serverErrors: unknown[] = [];
    for (let sent = 0; sent < REQUESTS; sent += 50) {
      const responses = await Promise.all(Array.from({ length: 50 }, () => request()));
      for (const response of responses) {
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) serverErrors.push(response.body);
      }
    }
    expect(serverErrors).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    await gateway.http.get('/').expect(200);
  }, 180_000);
});
