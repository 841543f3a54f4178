import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { DatabaseFileValidator } from '../src/backup/database-file.validator';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';
import { sqliteFile } from './support/sqlite-file';

const SQLITE = 'application/vnd.sqlite3';

/** The rows of `sql` in the database file at `file`, read directly. */
async function rowsOf(file: string, sql: string): Promise<unknown[]> {
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  try {
    return await new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows))));
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/** The rows of `sql` in a database file given as bytes. */
async function rowsOfBytes(bytes: Buffer, sql: string): Promise<unknown[]> {
  const directory = await mkdtemp(join(tmpdir(), 'dbforge-restore-read-'));
  const file = join(directory, 'read.db');
  await writeFile(file, bytes);
  try {
    return (await rowsOf(file, sql)).map((row) => Object.values(row as Record<string, unknown>)[0]);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const NEW_DATABASE = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
  INSERT INTO items (name) VALUES ('new-1'), ('new-2'), ('new-3');
`;

describe('restore and spawn-from-upload', () => {
  let gateway: TestGateway;
  const query = (db: string, sql: string) => gateway.http.post(`/api/db/${db}/query`).send({ sql });
  const names = async (db: string) => ((await query(db, 'SELECT name FROM items ORDER BY id').expect(200)).body.data as { name: string }[]).map((row) => row.name);
  const upload = (path: string, type: string, body: Buffer | string) => gateway.http.post(path).set('Content-Type', type).send(body);
  const fingerprint = async (db: string) => {
    const file = join(gateway.dataDir, db, `${db}.db`);
    const wal = await readFile(`${file}-wal`).catch(() => Buffer.alloc(0));
    return createHash('sha256').update(await readFile(file)).update(wal).digest('hex');
  };
  const snapshotCount = () => {
    const directory = join(gateway.dataDir, '.dbforge', 'snapshots', 'shop');
    return existsSync(directory) ? readdirSync(directory).length : 0;
  };
  const tmpFiles = () => {
    const directory = join(gateway.dataDir, '.dbforge', 'tmp');
    return existsSync(directory) ? readdirSync(directory) : [];
  };

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  beforeEach(async () => {
    await gateway.http.post('/admin/databases/spawn/shop').expect((response) => expect([200, 201]).toContain(response.status));
    await query('shop', 'DROP TABLE IF EXISTS items').expect(200);
    await query('shop', 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)').expect(200);
    await query('shop', "INSERT INTO items (name) VALUES ('old-1'), ('old-2')").expect(200);
  });

  afterEach(() => {
    expect(tmpFiles()).toEqual([]);
  });

  it('restores from a SQLite file: queries see the new data at once, the old version is a pre-restore snapshot', async () => {
    const bytes = await sqliteFile(NEW_DATABASE);
    const response = await upload('/admin/databases/shop/restore', SQLITE, bytes).expect(200);
    expect(response.body).toEqual({
      message: 'Database restored successfully.',
      db_name: 'shop',
      previous_snapshot: expect.stringMatching(/^\d{8}T\d{9}Z-pre-restore$/),
      size_bytes: bytes.length,
    });
    expect(await names('shop')).toEqual(['new-1', 'new-2', 'new-3']);
    const mode = await query('shop', 'PRAGMA journal_mode').expect(200);
    expect(mode.body.data).toEqual([{ journal_mode: 'wal' }]);
    await query('shop', "INSERT INTO items (name) VALUES ('after')").expect(200);
    expect(await names('shop')).toEqual(['new-1', 'new-2', 'new-3', 'after']);

    const snapshot = join(gateway.dataDir, '.dbforge', 'snapshots', 'shop', `${response.body.previous_snapshot}.db`);
    expect(existsSync(`${snapshot}-wal`)).toBe(false);
    expect(await rowsOf(snapshot, 'SELECT name FROM items ORDER BY id')).toEqual([{ name: 'old-1' }, { name: 'old-2' }]);
  });

  it('restores a file that was in WAL mode', async () => {
    const bytes = await sqliteFile(`PRAGMA journal_mode=WAL; ${NEW_DATABASE}`);
    expect([bytes[18], bytes[19]]).toEqual([2, 2]);
    await upload('/admin/databases/shop/restore', 'application/octet-stream', bytes).expect(200);
    expect(await names('shop')).toEqual(['new-1', 'new-2', 'new-3']);
  });

  it('restores from an SQL dump (.dump style: transaction, PRAGMA, strings with ;, a trigger)', async () => {
    const dump = [
      'PRAGMA foreign_keys=OFF;',
      'BEGIN TRANSACTION;',
      'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);',
      "INSERT INTO items VALUES(1,'semi;colon');",
      "INSERT INTO items VALUES(2,'it''s -- not a comment');",
      'CREATE TABLE log (item_id INTEGER);',
      'CREATE TRIGGER items_log AFTER INSERT ON items BEGIN INSERT INTO log VALUES (new.id); SELECT 1; END;',
      '-- a comment; with a semicolon',
      'COMMIT;',
    ].join('\n');
    const response = await upload('/admin/databases/shop/restore', 'application/sql', dump).expect(200);
    expect(response.body.db_name).toBe('shop');
    expect(await names('shop')).toEqual(['semi;colon', "it's -- not a comment"]);
    await query('shop', "INSERT INTO items (name) VALUES ('x')").expect(200);
    expect((await query('shop', 'SELECT item_id FROM log').expect(200)).body.data).toEqual([{ item_id: 3 }]);
  });

  describe('a restore that fails validation leaves the old data untouched', () => {
    async function expectRefused(type: string, body: Buffer | string, status: number, code: string, detail: RegExp): Promise<void> {
      const before = await fingerprint('shop');
      const snapshotsBefore = snapshotCount();
      const response = await upload('/admin/databases/shop/restore', type, body).expect(status);
      expect(expectError(response.body, status, code).detail).toMatch(detail);
      expect(await fingerprint('shop')).toBe(before);
      expect(await names('shop')).toEqual(['old-1', 'old-2']);
      expect(snapshotCount()).toBe(snapshotsBefore);
    }

    it('garbage bytes', async () => {
      await expectRefused(SQLITE, randomBytes(8192), 400, 'RESTORE_INVALID', /not a SQLite database/);
    });

    it('a truncated database file', async () => {
      const bytes = await sqliteFile(`${NEW_DATABASE} CREATE TABLE filler (x); INSERT INTO filler SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n);`);
      await expectRefused(SQLITE, bytes.subarray(0, bytes.length - 700), 400, 'RESTORE_INVALID', /truncated/);
      await expectRefused(SQLITE, bytes.subarray(0, 4096 * 3), 400, 'RESTORE_INVALID', /truncated: its header counts \d+ pages, the file holds 3/);
    });

    it('a database file with a corrupted page (integrity_check fails)', async () => {
      const bytes = await sqliteFile(`PRAGMA page_size=4096; ${NEW_DATABASE} CREATE INDEX items_name ON items (name); INSERT INTO items (name) SELECT 'row-' || i FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i FROM n);`);
      const pages = bytes.length / 4096;
      expect(pages).toBeGreaterThan(4);
      // Scribble over the cell content of the last page (a b-tree page of the table or its index), keeping its header.
      const corrupt = Buffer.from(bytes);
      corrupt.fill(0x5a, (pages - 1) * 4096 + 200, pages * 4096);
      await expectRefused(SQLITE, corrupt, 400, 'RESTORE_INVALID', /integrity_check|malformed/);
    });

    describe('a file whose header lies about the file (the header checks), or that cannot be written (the write probe)', () => {
      let sample: Buffer;
      let pages: number;
      beforeAll(async () => {
        // 4096-byte pages with a freelist: rows inserted, most deleted.
        sample = await sqliteFile(
          `PRAGMA page_size=4096; ${NEW_DATABASE} CREATE TABLE filler (x); INSERT INTO filler SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30) SELECT i FROM n); DELETE FROM filler WHERE rowid > 3;`,
        );
        pages = sample.length / 4096;
        expect(sample.readUInt32BE(36)).toBeGreaterThan(0);
      });
      const edited = (change: (bytes: Buffer) => void) => {
        const bytes = Buffer.from(sample);
        change(bytes);
        return bytes;
      };
      const stillWritable = async () => {
        await query('shop', "INSERT INTO items (name) VALUES ('after-refusal')").expect(200);
        expect(await names('shop')).toEqual(['old-1', 'old-2', 'after-refusal']);
      };

      it('the freelist trunk page far past the end of the file', async () => {
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(1_000_000, 32)), 400, 'RESTORE_INVALID', /has its first freelist trunk page at 1000000 in its header, outside the file's pages 2\.\.\d+/);
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(pages + 1, 32)), 400, 'RESTORE_INVALID', /first freelist trunk page at \d+ in its header, outside/);
        await stillWritable();
      });

      it('a freelist count bigger than the file', async () => {
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(pages * 10, 36)), 400, 'RESTORE_INVALID', /counts \d+ free pages in its header, more than the \d+ pages after the first/);
        await stillWritable();
      });

      it('an in-header page count that lies (more pages, or fewer, than the file holds)', async () => {
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(pages + 5, 28)), 400, 'RESTORE_INVALID', new RegExp(`truncated: its header counts ${pages + 5} pages, the file holds ${pages}`));
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(2, 28)), 400, 'RESTORE_INVALID', new RegExp(`does not match its header: the header counts 2 pages, the file holds ${pages}`));
        await stillWritable();
      });

      it('a bad page size, and other header fields SQLite would trust', async () => {
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt16BE(3000, 16)), 400, 'RESTORE_INVALID', /invalid page size \(3000\)/);
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt16BE(256, 16)), 400, 'RESTORE_INVALID', /invalid page size \(256\)/);
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(9, 44)), 400, 'RESTORE_INVALID', /unsupported schema format \(9/);
        await expectRefused(SQLITE, edited((bytes) => bytes.writeUInt32BE(7, 56)), 400, 'RESTORE_INVALID', /invalid text encoding \(7/);
        await expectRefused(SQLITE, edited((bytes) => (bytes[75] = 9)), 400, 'RESTORE_INVALID', /reserved for expansion/);
        await stillWritable();
      });

      it('a truncated file, cut at a page boundary or mid-page', async () => {
        await expectRefused(SQLITE, sample.subarray(0, 4096 * 2), 400, 'RESTORE_INVALID', new RegExp(`truncated: its header counts ${pages} pages, the file holds 2`));
        await expectRefused(SQLITE, sample.subarray(0, 4096 * 2 + 17), 400, 'RESTORE_INVALID', /truncated: \d+ bytes is not a whole number of 4096-byte pages/);
        await expectRefused(SQLITE, sample.subarray(0, 60), 400, 'RESTORE_INVALID', /not a SQLite database/);
      });

      it('a valid header over a corrupt b-tree page (the table root scribbled over)', async () => {
        const rootOfItems = Number((await rowsOfBytes(sample, "SELECT rootpage FROM sqlite_schema WHERE name = 'items'"))[0]);
        await expectRefused(SQLITE, edited((bytes) => bytes.fill(0xff, (rootOfItems - 1) * 4096, (rootOfItems - 1) * 4096 + 16)), 400, 'RESTORE_INVALID', /integrity_check|malformed|not a usable/);
        await stillWritable();
      });

      it('the same checks guard spawning from an upload and restoring a snapshot', async () => {
        const lying = edited((bytes) => bytes.writeUInt32BE(1_000_000, 32));
        const spawn = await upload('/admin/databases/spawn/liar', SQLITE, lying).expect(400);
        expect(expectError(spawn.body, 400, 'RESTORE_INVALID').detail).toMatch(/freelist trunk page at 1000000/);
        expect(existsSync(join(gateway.dataDir, 'liar'))).toBe(false);
        const snapshots = join(gateway.dataDir, '.dbforge', 'snapshots', 'shop');
        await mkdir(snapshots, { recursive: true });
        await writeFile(join(snapshots, '20260101T000000002Z-manual.db'), lying);
        const before = await fingerprint('shop');
        const refused = await gateway.http.post('/admin/databases/shop/snapshots/20260101T000000002Z-manual/restore').expect(400);
        expect(expectError(refused.body, 400, 'RESTORE_INVALID').detail).toMatch(/^Snapshot 20260101T000000002Z-manual has its first freelist trunk page at 1000000/);
        expect(await fingerprint('shop')).toBe(before);
        await rm(join(snapshots, '20260101T000000002Z-manual.db'));
        await stillWritable();
      });
    });

    it('a dump with an SQL error names the statement', async () => {
      await expectRefused('application/sql', 'CREATE TABLE a (x);\nINSERT INTO nowhere VALUES (1);\n', 400, 'RESTORE_INVALID', /SQL error at statement 2 of the dump: no such table: nowhere/);
    });

    it('a dump that tries ATTACH or load_extension', async () => {
      const outside = join(gateway.dataDir, 'outside.db');
      await expectRefused('text/plain', `CREATE TABLE a (x);\nATTACH DATABASE '${outside}' AS other;\nCREATE TABLE other.t (x);`, 400, 'RESTORE_INVALID', /statement 2: ATTACH is not allowed/);
      expect(existsSync(outside)).toBe(false);
      await expectRefused('text/plain', "SELECT load_extension('/tmp/evil.so');", 400, 'RESTORE_INVALID', /statement 1: load_extension\(\) is not allowed/);
      await expectRefused('text/plain', 'PRAGMA writable_schema=ON;', 400, 'RESTORE_INVALID', /statement 1: PRAGMA writable_schema/);
    });

    it('a dump with foreign key violations', async () => {
      const dump = 'CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p INTEGER REFERENCES parent(id)); INSERT INTO child VALUES (7);';
      await expectRefused('application/sql', dump, 400, 'RESTORE_INVALID', /foreign_key_check: child rowid 1 -> parent/);
    });

    it('a wrong content type, an encoding, an empty body', async () => {
      await expectRefused('image/png', randomBytes(100), 415, 'UNSUPPORTED_MEDIA_TYPE', /Unsupported content type \(image\/png\)/);
      const json = await gateway.http.post('/admin/databases/shop/restore').send({ sql: 'x' }).expect(415);
      expectError(json.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectRefused('application/sql; charset=latin1', 'SELECT 1;', 415, 'UNSUPPORTED_MEDIA_TYPE', /UTF-8/);
      await expectRefused(SQLITE, Buffer.alloc(0), 400, 'RESTORE_INVALID', /body is empty/);
      await expectRefused('application/sql', '-- only a comment\n', 400, 'RESTORE_INVALID', /no statements/);
    });
  });

  it('puts the old file back when the new one fails after the swap began', async () => {
    const validator = gateway.app.get(DatabaseFileValidator);
    const original = validator.validateFile.bind(validator);
    // Validation passes, then the file is damaged before the swap (as a disk fault would).
    const spy = jest.spyOn(validator, 'validateFile').mockImplementation(async (file, what) => {
      const result = await original(file, what);
      await writeFile(file, randomBytes(8192));
      return result;
    });
    try {
      const before = snapshotCount();
      const response = await upload('/admin/databases/shop/restore', SQLITE, await sqliteFile(NEW_DATABASE)).expect(400);
      expect(expectError(response.body, 400, 'RESTORE_INVALID').detail).toMatch(/did not open in place .*the previous version was put back/);
      expect(await names('shop')).toEqual(['old-1', 'old-2']);
      await query('shop', "INSERT INTO items (name) VALUES ('still-writable')").expect(200);
      expect(snapshotCount()).toBe(before);
    } finally {
      spy.mockRestore();
    }
  });

  it('an upload the client abandons half-way leaves no temp file and the old data', async () => {
    const { port } = gateway.app.getHttpServer().address() as AddressInfo;
    const before = await fingerprint('shop');
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/admin/databases/shop/restore', headers: { 'Content-Type': SQLITE, 'Content-Length': '1000000' } });
    request.on('error', () => undefined);
    request.write(randomBytes(50_000));
    // Wait until the gateway has started receiving (a temp file exists), then hang up.
    for (let tries = 0; tmpFiles().length === 0 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tmpFiles()).toHaveLength(1);
    request.destroy();
    for (let tries = 0; tmpFiles().length > 0 && tries < 500; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tmpFiles()).toEqual([]);
    expect(await fingerprint('shop')).toBe(before);
    expect(await names('shop')).toEqual(['old-1', 'old-2']);
  });

  it('answers 404 for an unknown or pruned database, and 400 for a bad name', async () => {
    const bytes = await sqliteFile(NEW_DATABASE);
    const unknown = await upload('/admin/databases/ghost/restore', SQLITE, bytes).expect(404);
    expect(expectError(unknown.body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    await gateway.http.post('/admin/databases/spawn/gone').expect(201);
    await gateway.http.post('/admin/databases/prune/gone').expect(200);
    expectError((await upload('/admin/databases/gone/restore', SQLITE, bytes).expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expectError((await upload('/admin/databases/bad..name/restore', SQLITE, bytes).expect(400)).body, 400, 'INVALID_DATABASE_NAME');
  });

  it('restores while queries run: no errors, every answer is the old or the new data', async () => {
    const bytes = await sqliteFile(NEW_DATABASE);
    const old = ['old-1', 'old-2'];
    const fresh = ['new-1', 'new-2', 'new-3'];
    const reads = Array.from({ length: 40 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i)).then(() => query('shop', 'SELECT name FROM items ORDER BY id')),
    );
    const restore = upload('/admin/databases/shop/restore', SQLITE, bytes);
    const [restored, ...answers] = await Promise.all([restore, ...reads]);
    expect(restored.status).toBe(200);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const seen = (answer.body.data as { name: string }[]).map((row) => row.name);
      expect([JSON.stringify(old), JSON.stringify(fresh)]).toContain(JSON.stringify(seen));
    }
    expect(await names('shop')).toEqual(fresh);
  });

  it('restores from a snapshot (the pre-restore snapshot of an earlier restore), keeping the current version too', async () => {
    const first = await upload('/admin/databases/shop/restore', SQLITE, await sqliteFile(NEW_DATABASE)).expect(200);
    expect(await names('shop')).toEqual(['new-1', 'new-2', 'new-3']);
    const back = await gateway.http.post(`/admin/databases/shop/snapshots/${first.body.previous_snapshot}/restore`).expect(200);
    expect(back.body).toEqual({ message: 'Database restored successfully.', db_name: 'shop', previous_snapshot: expect.stringMatching(/-pre-restore$/), size_bytes: expect.any(Number) });
    expect(back.body.previous_snapshot).not.toBe(first.body.previous_snapshot);
    expect(await names('shop')).toEqual(['old-1', 'old-2']);
    const snapshots = join(gateway.dataDir, '.dbforge', 'snapshots', 'shop');
    expect(existsSync(join(snapshots, `${first.body.previous_snapshot}.db`))).toBe(true); // restoring does not consume it
    expect(await rowsOf(join(snapshots, `${back.body.previous_snapshot}.db`), 'SELECT name FROM items ORDER BY id')).toEqual([{ name: 'new-1' }, { name: 'new-2' }, { name: 'new-3' }]);

    // A snapshot file placed by hand (as scheduled snapshots are) is restorable too; a corrupt one is refused.
    await copyFile(join(snapshots, `${first.body.previous_snapshot}.db`), join(snapshots, '20260101T000000000Z-manual.db'));
    await gateway.http.post('/admin/databases/shop/snapshots/20260101T000000000Z-manual/restore').expect(200);
    await writeFile(join(snapshots, '20260101T000000001Z-scheduled.db'), randomBytes(4096));
    const before = await fingerprint('shop');
    const corrupt = await gateway.http.post('/admin/databases/shop/snapshots/20260101T000000001Z-scheduled/restore').expect(400);
    expect(expectError(corrupt.body, 400, 'RESTORE_INVALID').detail).toMatch(/^Snapshot 20260101T000000001Z-scheduled is not a SQLite database/);
    expect(await fingerprint('shop')).toBe(before);

    const missing = await gateway.http.post('/admin/databases/shop/snapshots/20200101T000000000Z-manual/restore').expect(404);
    expectError(missing.body, 404, 'SNAPSHOT_NOT_FOUND');
    expectError((await gateway.http.post('/admin/databases/shop/snapshots/not-an-id/restore').expect(400)).body, 400, 'VALIDATION_FAILED');
    expectError((await gateway.http.post(`/admin/databases/ghost/snapshots/${first.body.previous_snapshot}/restore`).expect(404)).body, 404, 'DATABASE_NOT_FOUND');
  });

  it('spawns from an uploaded file or dump; a failed validation leaves nothing behind', async () => {
    const spawned = await upload('/admin/databases/spawn/fromfile', SQLITE, await sqliteFile(NEW_DATABASE)).expect(201);
    expect(spawned.body).toEqual({ message: 'Database instance spawned successfully.', db_name: 'fromfile', container_id: null });
    expect(await names('fromfile')).toEqual(['new-1', 'new-2', 'new-3']);
    expect((await query('fromfile', 'PRAGMA journal_mode').expect(200)).body.data).toEqual([{ journal_mode: 'wal' }]);

    await upload('/admin/databases/spawn/fromdump', 'application/sql', NEW_DATABASE).expect(201);
    expect(await names('fromdump')).toEqual(['new-1', 'new-2', 'new-3']);

    const refused = await upload('/admin/databases/spawn/broken', SQLITE, randomBytes(4096)).expect(400);
    expectError(refused.body, 400, 'RESTORE_INVALID');
    expect(existsSync(join(gateway.dataDir, 'broken'))).toBe(false);
    expectError((await gateway.http.get('/admin/databases/broken').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expect(((await gateway.http.get('/admin/databases').expect(200)).body as { name: string }[]).map((d) => d.name)).not.toContain('broken');

    const exists = await upload('/admin/databases/spawn/fromfile', SQLITE, await sqliteFile(NEW_DATABASE)).expect(409);
    expectError(exists.body, 409, 'DATABASE_EXISTS');
    expect(await names('fromfile')).toEqual(['new-1', 'new-2', 'new-3']);

    // A data directory without a catalog entry is never overwritten either.
    await mkdir(join(gateway.dataDir, 'stray'));
    expectError((await upload('/admin/databases/spawn/stray', SQLITE, await sqliteFile(NEW_DATABASE)).expect(409)).body, 409, 'DATABASE_EXISTS');
    expect(readdirSync(join(gateway.dataDir, 'stray'))).toEqual([]);
  });

  it('spawn without a body (or with a JSON one) is exactly the v1 spawn', async () => {
    expect((await gateway.http.post('/admin/databases/spawn/plain').expect(201)).body).toEqual({ message: 'Database instance spawned successfully.', db_name: 'plain', container_id: null });
    expect((await gateway.http.post('/admin/databases/spawn/plain').expect(200)).body).toEqual({ message: 'Database instance already exists and is running.', db_name: 'plain', container_id: null });
    await gateway.http.post('/admin/databases/spawn/plain2').send({}).expect(201);
    await gateway.http.post('/admin/databases/spawn/plain3').set('Content-Type', SQLITE).expect(201);
    // fetch() sends a string body as text/plain: v1 ignored it, and so does spawn.
    await gateway.http.post('/admin/databases/spawn/plain4').set('Content-Type', 'text/plain;charset=UTF-8').send('{}').expect(201);
    expect((await gateway.http.post('/admin/databases/spawn/plain4').set('Content-Type', 'text/plain').send('hello').expect(200)).body.message).toBe(
      'Database instance already exists and is running.',
    );
  });
});

describe('restore limits and keys', () => {
  const adminKey = 'restore-admin-key-0123456789';
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_MAX_RESTORE_BYTES: '8192', DBFORGE_ADMIN_KEY: adminKey });
    await gateway.http.post('/admin/databases/spawn/small').set('Authorization', `Bearer ${adminKey}`).expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('needs the admin key; a database key is not enough', async () => {
    const bytes = await sqliteFile(NEW_DATABASE);
    expectError((await gateway.http.post('/admin/databases/small/restore').set('Content-Type', SQLITE).send(bytes).expect(401)).body, 401, 'UNAUTHENTICATED');
    const key = await gateway.http.post('/admin/databases/small/keys').set('Authorization', `Bearer ${adminKey}`).send({ scope: 'read-write' }).expect(201);
    const withDbKey = await gateway.http.post('/admin/databases/small/restore').set('Authorization', `Bearer ${key.body.key}`).set('Content-Type', SQLITE).send(bytes);
    expect(withDbKey.status).toBe(403);
    expectError((await gateway.http.post('/admin/databases/small/snapshots/20260101T000000000Z-manual/restore').expect(401)).body, 401, 'UNAUTHENTICATED');
    expectError((await gateway.http.post('/admin/databases/spawn/other').set('Content-Type', SQLITE).send(bytes).expect(401)).body, 401, 'UNAUTHENTICATED');
    await gateway.http.post('/admin/databases/small/restore').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', SQLITE).send(bytes).expect(200);
  });

  it('refuses an upload over DBFORGE_MAX_RESTORE_BYTES with 413, leaving no temp file and nothing replaced', async () => {
    const file = join(gateway.dataDir, 'small', 'small.db');
    const before = await readFile(file);
    const big = await upload(randomBytes(64 * 1024));
    expect(big.status).toBe(413);
    expectError(big.body, 413, 'PAYLOAD_TOO_LARGE');
    expect(big.body.detail).toContain('DBFORGE_MAX_RESTORE_BYTES');
    expect((await readFile(file)).equals(before)).toBe(true);
    const spawn = await gateway.http.post('/admin/databases/spawn/huge').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', 'application/sql').send('x'.repeat(20000));
    expect(spawn.status).toBe(413);
    expect(existsSync(join(gateway.dataDir, 'huge'))).toBe(false);
    const tmp = join(gateway.dataDir, '.dbforge', 'tmp');
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);

    function upload(body: Buffer) {
      return gateway.http.post('/admin/databases/small/restore').set('Authorization', `Bearer ${adminKey}`).set('Content-Type', SQLITE).send(body);
    }
  });
});
