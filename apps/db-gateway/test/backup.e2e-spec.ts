import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import type { Response } from 'supertest';
import { SnapshotScheduler } from '../src/backup/snapshot.scheduler';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

/** Collects a response body as bytes, whatever its content type. */
function binary(response: Response, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** A plain node-sqlite3 handle (tests only: the gateway reaches SQLite through its port). */
class TestDb {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(file: string, mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE): Promise<TestDb> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(new TestDb(db))));
    });
  }

  all<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    return new Promise((resolve, reject) => this.db.all(sql, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

/** Schema and every row of every table, each value as its type and exact text (quote(), hex for text). */
async function contentsOf(db: TestDb): Promise<{ schema: unknown[]; tables: Record<string, string[]> }> {
  const schema = await db.all(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name`);
  const tables: Record<string, string[]> = {};
  for (const { name } of await db.all<{ name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)) {
    const columns = await db.all<{ name: string }>(`SELECT name FROM pragma_table_xinfo('${name.replace(/'/g, "''")}')`);
    const exact = columns
      .map(({ name: column }) => `"${column.replace(/"/g, '""')}"`)
      .map((c) => `typeof(${c}) || ':' || CASE typeof(${c}) WHEN 'text' THEN hex(${c}) ELSE quote(${c}) END`)
      .join(` || '|' || `);
    const rows = await db.all<{ row: string }>(`SELECT ${exact} AS row FROM "${name.replace(/"/g, '""')}"`);
    tables[name] = rows.map((row) => row.row).sort();
  }
  return { schema, tables };
}

describe('backups, exports and snapshots', () => {
  let gateway: TestGateway;
  const query = (db: string, sql: string, params?: unknown[]) => gateway.http.post(`/api/db/${db}/query`).send(params ? { sql, params } : { sql });
  const download = (path: string) => gateway.http.get(path).buffer(true).parse(binary);

  async function saved(bytes: Buffer, name: string): Promise<string> {
    const file = join(gateway.dataDir, `out-${name}`);
    await writeFile(file, bytes);
    return file;
  }

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_SNAPSHOT_RETENTION: '2' });
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('takes backups during a write load that open, pass integrity_check and hold every acknowledged row', async () => {
    await gateway.http.post('/admin/databases/spawn/busy').expect(201);
    await query('busy', 'CREATE TABLE load (writer INTEGER NOT NULL, n INTEGER NOT NULL, payload BLOB, PRIMARY KEY (writer, n))').expect(200);
    const acknowledged = [0, 0, 0, 0];
    let stop = false;
    const writers = acknowledged.map(async (_count, writer) => {
      for (let n = 1; !stop; n++) {
        await query('busy', 'INSERT INTO load (writer, n, payload) VALUES (?, ?, randomblob(500))', [writer, n]).expect(200);
        acknowledged[writer] = n;
      }
    });
    try {
      for (let round = 0; round < 3; round++) {
        await new Promise((resolve) => setTimeout(resolve, 300)); // let rows pile up between backups
        const before = [...acknowledged];
        const response = await download('/admin/databases/busy/backup').expect(200);
        expect(response.headers['content-type']).toBe('application/vnd.sqlite3');
        expect(response.headers['content-disposition']).toMatch(/^attachment; filename="busy-\d{8}T\d{9}Z\.db"$/);
        expect(Number(response.headers['content-length'])).toBe((response.body as Buffer).length);
        const file = await saved(response.body as Buffer, `busy-${round}.db`);
        const copy = await TestDb.open(file, sqlite3.OPEN_READONLY);
        try {
          expect(await copy.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
          const counts = await copy.all<{ writer: number; rows: number; top: number }>('SELECT writer, count(*) AS rows, max(n) AS top FROM load GROUP BY writer ORDER BY writer');
          before.forEach((count, writer) => {
            const found = counts.find((row) => row.writer === writer) ?? { rows: 0, top: 0 };
            expect(found.top).toBeGreaterThanOrEqual(count);
            expect(found.rows).toBe(found.top); // no gaps: a consistent snapshot
          });
        } finally {
          await copy.close();
        }
      }
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    expect(acknowledged.every((count) => count > 0)).toBe(true);
    expect(await readdir(join(gateway.dataDir, '.dbforge', 'tmp'))).toEqual([]); // scratch copies are gone
  });

  it('exports an SQL dump that recreates the schema and every value exactly', async () => {
    await gateway.http.post('/admin/databases/spawn/odd').expect(201);
    const statements = [
      'CREATE TABLE awkward (id INTEGER PRIMARY KEY AUTOINCREMENT, t TEXT, r REAL, i INTEGER, b BLOB, v)',
      `INSERT INTO awkward (t, r, i, b, v) VALUES ('it''s "quoted"', 0.1, 9007199254740991, X'00FF10', NULL)`,
      `INSERT INTO awkward (t, r, i, b, v) VALUES ('line1' || char(10) || 'line2' || char(13, 10), 1e-300, 9223372036854775807, X'', 'x')`,
      `INSERT INTO awkward (t, r, i, b, v) VALUES ('héllo 🌍 日本 ∑', -0.0, -9223372036854775808, randomblob(300), 3.5)`,
      `INSERT INTO awkward (t, r, i, b, v) VALUES ('nul' || char(0) || 'inside', 1.7976931348623157e308, -1, NULL, X'01')`,
      `INSERT INTO awkward (t, r, i, b, v) VALUES (printf('%.*c', 200000, 'L'), 2.5e-324, 0, NULL, 9e999)`,
      `INSERT INTO awkward (t, r, i, b, v) VALUES (NULL, NULL, NULL, NULL, '')`,
      'CREATE TABLE "we""ird table" ("col one" TEXT, "select" INTEGER, total INTEGER GENERATED ALWAYS AS ("select" * 2) VIRTUAL)',
      `INSERT INTO "we""ird table" ("col one", "select") WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 1234) SELECT 'row ' || x, x FROM k`,
      'CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID',
      `INSERT INTO kv WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < 700) SELECT printf('key%05d', x), randomblob(8) FROM k`,
      'CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES awkward(id))',
      'INSERT INTO child (parent) VALUES (1), (2)',
      'CREATE INDEX awkward_t ON awkward (t)',
      'CREATE VIEW long_texts AS SELECT id FROM awkward WHERE length(t) > 100',
      "CREATE TRIGGER child_log AFTER INSERT ON child BEGIN UPDATE awkward SET v = 'touched' WHERE id = NEW.parent; END",
      'DELETE FROM awkward WHERE id = 6',
    ];
    for (const sql of statements) await query('odd', sql).expect(200);

    const response = await download('/admin/databases/odd/export?format=sql').expect(200);
    expect(response.headers['content-type']).toBe('application/sql; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="odd-\d{8}T\d{9}Z\.sql"$/);
    const dump = (response.body as Buffer).toString('utf8');
    expect(dump.startsWith('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n')).toBe(true);
    expect(dump.endsWith('COMMIT;\n')).toBe(true);
    expect(dump).toContain('DELETE FROM sqlite_sequence;');
    // Without a format, sql is the default.
    expect((await download('/admin/databases/odd/export').expect(200)).body).toEqual(response.body);

    const original = await TestDb.open(join(gateway.dataDir, 'odd', 'odd.db'), sqlite3.OPEN_READONLY);
    const restored = await TestDb.open(join(gateway.dataDir, 'restored-odd.db'));
    try {
      await restored.exec(dump);
      const expected = await contentsOf(original);
      expect(expected.tables['we"ird table']).toHaveLength(1234);
      expect(expected.tables.sqlite_sequence).toEqual([`text:${Buffer.from('awkward').toString('hex').toUpperCase()}|integer:6`]);
      expect(await contentsOf(restored)).toEqual(expected);
      expect(await restored.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await original.close();
      await restored.close();
    }
  });

  it('exports one consistent snapshot while writes go on', async () => {
    await gateway.http.post('/admin/databases/spawn/flow').expect(201);
    await query('flow', 'CREATE TABLE load (writer INTEGER NOT NULL, n INTEGER NOT NULL, payload BLOB, PRIMARY KEY (writer, n))').expect(200);
    const acknowledged = [0, 0, 0];
    let stop = false;
    const writers = acknowledged.map(async (_count, writer) => {
      for (let n = 1; !stop; n++) {
        await query('flow', 'INSERT INTO load (writer, n, payload) VALUES (?, ?, randomblob(100))', [writer, n]).expect(200);
        acknowledged[writer] = n;
      }
    });
    let dump = '';
    let before: number[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      before = [...acknowledged];
      dump = ((await download('/admin/databases/flow/export?format=sql').expect(200)).body as Buffer).toString('utf8');
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    const restored = await TestDb.open(join(gateway.dataDir, 'restored-flow.db'));
    try {
      await restored.exec(dump);
      const counts = await restored.all<{ writer: number; rows: number; top: number }>('SELECT writer, count(*) AS rows, max(n) AS top FROM load GROUP BY writer ORDER BY writer');
      before.forEach((count, writer) => {
        const found = counts.find((row) => row.writer === writer) ?? { rows: 0, top: 0 };
        expect(found.top).toBeGreaterThanOrEqual(count);
        expect(found.rows).toBe(found.top);
      });
    } finally {
      await restored.close();
    }
  });

  it('refuses other export formats and unknown databases', async () => {
    const format = await gateway.http.get('/admin/databases/odd/export?format=csv').expect(400);
    expect(expectError(format.body, 400, 'VALIDATION_FAILED').detail).toContain('format must be sql');
    expectError((await gateway.http.get('/admin/databases/odd/export?format=sql&extra=1').expect(400)).body, 400, 'VALIDATION_FAILED');
    for (const path of ['backup', 'export', 'snapshots']) {
      expect(expectError((await gateway.http.get(`/admin/databases/ghost/${path}`).expect(404)).body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    }
    expectError((await gateway.http.post('/admin/databases/ghost/snapshots').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expectError((await gateway.http.get('/admin/databases/bad..name/backup').expect(400)).body, 400, 'INVALID_DATABASE_NAME');
  });

  it('backs up a pruned database from its file', async () => {
    await gateway.http.post('/admin/databases/spawn/sleepy').expect(201);
    await query('sleepy', 'CREATE TABLE t (x)').expect(200);
    await query('sleepy', 'INSERT INTO t VALUES (42)').expect(200);
    await gateway.http.post('/admin/databases/prune/sleepy').expect(200);
    const response = await download('/admin/databases/sleepy/backup').expect(200);
    const copy = await TestDb.open(await saved(response.body as Buffer, 'sleepy.db'), sqlite3.OPEN_READONLY);
    try {
      expect(await copy.all('SELECT x FROM t')).toEqual([{ x: 42 }]);
    } finally {
      await copy.close();
    }
  });

  it('creates, lists, downloads and deletes snapshots, listing pre-restore ones too', async () => {
    await gateway.http.post('/admin/databases/spawn/snap').expect(201);
    await query('snap', 'CREATE TABLE t (x)').expect(200);
    await query('snap', 'INSERT INTO t VALUES (1)').expect(200);
    const created = await gateway.http.post('/admin/databases/snap/snapshots').expect(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^\d{8}T\d{9}Z-manual$/), reason: 'manual', created_at: expect.any(String), size_bytes: expect.any(Number) });
    expect(created.body.size_bytes).toBeGreaterThan(0);
    expect(new Date(created.body.created_at).toISOString()).toBe(created.body.created_at);

    // A restore leaves the replaced version here; it is listed like the others.
    const directory = join(gateway.dataDir, '.dbforge', 'snapshots', 'snap');
    await copyFile(join(directory, `${created.body.id}.db`), join(directory, '20200101T000000000Z-pre-restore.db'));
    await writeFile(join(directory, 'not-a-snapshot.txt'), 'ignored');

    const second = await gateway.http.post('/admin/databases/snap/snapshots').expect(201);
    const listed = await gateway.http.get('/admin/databases/snap/snapshots').expect(200);
    expect(listed.body.map((snapshot: { id: string }) => snapshot.id)).toEqual([second.body.id, created.body.id, '20200101T000000000Z-pre-restore']);
    expect(listed.body[2]).toEqual({ id: '20200101T000000000Z-pre-restore', reason: 'pre-restore', created_at: '2020-01-01T00:00:00.000Z', size_bytes: created.body.size_bytes });

    const file = await download(`/admin/databases/snap/snapshots/${created.body.id}`).expect(200);
    expect(file.headers['content-type']).toBe('application/vnd.sqlite3');
    const copy = await TestDb.open(await saved(file.body as Buffer, 'snap.db'), sqlite3.OPEN_READONLY);
    try {
      expect(await copy.all('SELECT x FROM t')).toEqual([{ x: 1 }]);
    } finally {
      await copy.close();
    }

    await gateway.http.delete(`/admin/databases/snap/snapshots/${created.body.id}`).expect(204);
    const gone = await gateway.http.delete(`/admin/databases/snap/snapshots/${created.body.id}`).expect(404);
    expect(expectError(gone.body, 404, 'SNAPSHOT_NOT_FOUND').detail).toBe('Snapshot not found.');
    expectError((await gateway.http.get(`/admin/databases/snap/snapshots/${created.body.id}`).expect(404)).body, 404, 'SNAPSHOT_NOT_FOUND');
    expectError((await gateway.http.get('/admin/databases/snap/snapshots/..%2F..%2Fsnap').expect(400)).body, 400, 'VALIDATION_FAILED');
    expectError((await gateway.http.delete('/admin/databases/snap/snapshots/latest').expect(400)).body, 400, 'VALIDATION_FAILED');
    expect((await gateway.http.get('/admin/databases/snap/snapshots').expect(200)).body).toHaveLength(2);
  });

  it('runs a scheduled round: only databases written since their last snapshot, keeping the newest scheduled ones', async () => {
    const scheduler = gateway.app.get(SnapshotScheduler);
    await gateway.http.post('/admin/databases/spawn/sched').expect(201);
    await query('sched', 'CREATE TABLE t (x)').expect(200);
    await gateway.http.post('/admin/databases/sched/snapshots').expect(201); // manual: never pruned
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5)); // keeps a write and a snapshot out of the same millisecond

    const scheduled: string[] = [];
    for (let value = 1; value <= 3; value++) {
      await query('sched', `INSERT INTO t VALUES (${value})`).expect(200);
      await pause();
      const round = await scheduler.runRound();
      expect(round.taken).toContain('sched');
      expect(round.failed).toEqual([]);
      await pause();
      expect((await scheduler.runRound()).unchanged).toContain('sched'); // nothing written since
      const list = (await gateway.http.get('/admin/databases/sched/snapshots').expect(200)).body as { id: string; reason: string }[];
      scheduled.push(list.find((snapshot) => snapshot.reason === 'scheduled')!.id);
    }
    const list = (await gateway.http.get('/admin/databases/sched/snapshots').expect(200)).body as { id: string; reason: string }[];
    expect(list.filter((snapshot) => snapshot.reason === 'scheduled').map((snapshot) => snapshot.id)).toEqual([scheduled[2], scheduled[1]]);
    expect(list.filter((snapshot) => snapshot.reason === 'manual')).toHaveLength(1);
    // The newest scheduled snapshot holds the last write.
    const file = await download(`/admin/databases/sched/snapshots/${scheduled[2]}`).expect(200);
    const copy = await TestDb.open(await saved(file.body as Buffer, 'sched.db'), sqlite3.OPEN_READONLY);
    try {
      expect(await copy.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    } finally {
      await copy.close();
    }
  });
});

describe('backups with DBFORGE_ADMIN_KEY set', () => {
  const ADMIN = 'backup-admin-key-0123456789';
  let gateway: TestGateway;

  beforeAll(async () => {
    const dataDir = await makeDataDir();
    // A scratch file left by a crash is cleared at start-up.
    await mkdir(join(dataDir, '.dbforge', 'tmp'), { recursive: true });
    await writeFile(join(dataDir, '.dbforge', 'tmp', 'backup-leftover.db'), 'half a copy');
    gateway = await startGateway(dataDir, { DBFORGE_ADMIN_KEY: ADMIN });
    await gateway.http.post('/admin/databases/spawn/vault').set('X-API-Key', ADMIN).expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('clears leftover scratch files at start-up', async () => {
    expect(await readdir(join(gateway.dataDir, '.dbforge', 'tmp'))).toEqual([]);
  });

  it('needs the admin key; a database key is not enough', async () => {
    for (const path of ['backup', 'export?format=sql', 'snapshots']) {
      expectError((await gateway.http.get(`/admin/databases/vault/${path}`).expect(401)).body, 401, 'UNAUTHENTICATED');
    }
    expectError((await gateway.http.post('/admin/databases/vault/snapshots').expect(401)).body, 401, 'UNAUTHENTICATED');
    const key = await gateway.http.post('/admin/databases/vault/keys').set('X-API-Key', ADMIN).send({ scope: 'read-write' }).expect(201);
    expectError((await gateway.http.get('/admin/databases/vault/backup').set('X-API-Key', key.body.key).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.get('/admin/databases/vault/backup').set('X-API-Key', ADMIN).expect(200);
    await gateway.http.post('/admin/databases/vault/snapshots').set('X-API-Key', ADMIN).expect(201);
  });
});
