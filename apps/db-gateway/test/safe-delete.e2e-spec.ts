import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Clock } from '../src/common/clock';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Real time until `set`, then the time it was set to; counts how often it is read. */
class SettableClock extends Clock {
  reads = 0;
  private fixed?: Date;
  set(at: Date): void {
    this.fixed = at;
  }
  now(): Date {
    this.reads++;
    return this.fixed ?? new Date();
  }
}

describe('safe delete, undelete, trash and purge', () => {
  let gateway: TestGateway;
  let dataDir: string;
  const query = (db: string, sql: string) => gateway.http.post(`/api/db/${db}/query`).send({ sql });

  beforeAll(async () => {
    dataDir = await makeDataDir();
    gateway = await startGateway(dataDir);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(dataDir);
  });

  it('moves a database to the trash, answers 404 for it, and brings it back with its data', async () => {
    await gateway.http.post('/admin/databases/spawn/notes').expect(201);
    await query('notes', 'CREATE TABLE n (id INTEGER PRIMARY KEY, body TEXT)').expect(200);
    await query('notes', "INSERT INTO n (body) VALUES ('keep me'), ('and me')").expect(200);
    const createdAt = (await gateway.http.get('/admin/databases/notes').expect(200)).body.created_at;

    const deleted = await gateway.http.delete('/admin/databases/notes').expect(200);
    expect(deleted.body).toEqual({
      message: 'Database moved to the trash.',
      db_name: 'notes',
      trash_id: expect.stringMatching(/^notes-\d{8}T\d{9}Z$/),
      deleted_at: expect.any(String),
      purge_after: new Date(new Date(deleted.body.deleted_at).getTime() + 168 * 3_600_000).toISOString(),
      created_at: createdAt,
      size_bytes: expect.any(Number),
    });
    expect(deleted.body.size_bytes).toBeGreaterThan(0);
    expect(await exists(join(dataDir, 'notes'))).toBe(false);
    expect(await exists(join(dataDir, '.dbforge', 'trash', deleted.body.trash_id, 'notes.db'))).toBe(true);

    expect(expectError((await query('notes', 'SELECT 1').expect(404)).body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    expectError((await gateway.http.get('/admin/databases/notes').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expect((await gateway.http.get('/admin/databases').expect(200)).body).toEqual([]);
    const trash = await gateway.http.get('/admin/trash').expect(200);
    const { message: _message, ...entry } = deleted.body;
    expect(trash.body).toEqual([entry]);

    const undeleted = await gateway.http.post('/admin/databases/notes/undelete').expect(201);
    expect(undeleted.body).toEqual({ message: 'Database restored from the trash.', db_name: 'notes', trash_id: deleted.body.trash_id, container_id: null });
    expect((await query('notes', 'SELECT body FROM n ORDER BY id').expect(200)).body.data).toEqual([{ body: 'keep me' }, { body: 'and me' }]);
    expect((await gateway.http.get('/admin/databases/notes').expect(200)).body).toMatchObject({ status: 'active', created_at: createdAt });
    expect((await gateway.http.get('/admin/trash').expect(200)).body).toEqual([]);
    expect(await exists(join(dataDir, 'notes', 'trash.json'))).toBe(false);
  });

  it('deletes a pruned database too, and refuses unknown names and bad ones', async () => {
    await gateway.http.post('/admin/databases/spawn/old').expect(201);
    await gateway.http.post('/admin/databases/prune/old').expect(200);
    await gateway.http.delete('/admin/databases/old').expect(200);
    expect(expectError((await gateway.http.delete('/admin/databases/old').expect(404)).body, 404, 'DATABASE_NOT_FOUND').detail).toBe('Database not found.');
    expectError((await gateway.http.delete('/admin/databases/never').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expectError((await gateway.http.delete('/admin/databases/a..b').expect(400)).body, 400, 'INVALID_DATABASE_NAME');
    expectError((await gateway.http.delete('/admin/trash/a..b').expect(400)).body, 400, 'INVALID_DATABASE_NAME');
    expectError((await gateway.http.delete('/admin/databases/bad%20name').expect(400)).body, 400, 'INVALID_DATABASE_NAME');
    expectError((await gateway.http.post('/admin/databases/never/undelete').expect(404)).body, 404, 'NOT_IN_TRASH');
    expectError((await gateway.http.delete('/admin/trash/never').expect(404)).body, 404, 'NOT_IN_TRASH');
    await gateway.http.post('/admin/databases/old/undelete').expect(201);
    await gateway.http.delete('/admin/databases/old').expect(200);
  });

  it('lets a deleted name be spawned anew; undelete then refuses with 409 until that one is deleted', async () => {
    await gateway.http.post('/admin/databases/spawn/reuse').expect(201);
    await query('reuse', 'CREATE TABLE first (a)').expect(200);
    await gateway.http.delete('/admin/databases/reuse').expect(200);
    await gateway.http.post('/admin/databases/spawn/reuse').expect(201);
    expect((await gateway.http.get('/api/db/reuse/tables').expect(200)).body).toEqual([]);
    expectError((await gateway.http.post('/admin/databases/reuse/undelete').expect(409)).body, 409, 'DATABASE_EXISTS');
    await query('reuse', 'CREATE TABLE second (b)').expect(200);
    await gateway.http.delete('/admin/databases/reuse').expect(200);
    const copies = (await gateway.http.get('/admin/trash').expect(200)).body.filter((entry: { db_name: string }) => entry.db_name === 'reuse');
    expect(copies).toHaveLength(2);
    await gateway.http.post('/admin/databases/reuse/undelete').expect(201);
    expect((await gateway.http.get('/api/db/reuse/tables').expect(200)).body.map((table: { name: string }) => table.name)).toEqual(['second']);
  });

  it('purges explicitly: every copy of the name leaves the disk', async () => {
    await gateway.http.post('/admin/databases/spawn/gone').expect(201);
    const deleted = await gateway.http.delete('/admin/databases/gone').expect(200);
    const purged = await gateway.http.delete('/admin/trash/gone').expect(200);
    expect(purged.body).toEqual({ message: 'Purged 1 deleted copy of gone.', db_name: 'gone', purged: [deleted.body.trash_id] });
    expect(await readdir(join(dataDir, '.dbforge', 'trash'))).not.toContain(deleted.body.trash_id);
    expectError((await gateway.http.post('/admin/databases/gone/undelete').expect(404)).body, 404, 'NOT_IN_TRASH');
  });

  it('takes the snapshots along: undelete brings them back, purge removes them, a new database of the name has none', async () => {
    await gateway.http.post('/admin/databases/spawn/snappy').expect(201);
    await query('snappy', 'CREATE TABLE t (v TEXT)').expect(200);
    await query('snappy', "INSERT INTO t VALUES ('in the snapshot')").expect(200);
    const snapshot = (await gateway.http.post('/admin/databases/snappy/snapshots').expect(201)).body.id as string;
    const snapshotFile = join(dataDir, '.dbforge', 'snapshots', 'snappy', `${snapshot}.db`);

    await gateway.http.delete('/admin/databases/snappy').expect(200);
    expect(await exists(snapshotFile)).toBe(false);
    await gateway.http.post('/admin/databases/snappy/snapshots').expect(404);
    await gateway.http.post('/admin/databases/snappy/undelete').expect(201);
    expect((await gateway.http.get('/admin/databases/snappy/snapshots').expect(200)).body.map((entry: { id: string }) => entry.id)).toEqual([snapshot]);

    await gateway.http.delete('/admin/databases/snappy').expect(200);
    await gateway.http.delete('/admin/trash/snappy').expect(200);
    await gateway.http.post('/admin/databases/spawn/snappy').expect(201);
    expect((await gateway.http.get('/admin/databases/snappy/snapshots').expect(200)).body).toEqual([]);
    await gateway.http.post(`/admin/databases/snappy/snapshots/${snapshot}/restore`).expect(404);
    expect(await readdir(join(dataDir, '.dbforge', 'snapshots', 'snappy')).catch(() => [])).toEqual([]);
  });

  it('sweeps copies whose retention has ended, and only those', async () => {
    // A gateway of its own: its clock stands still where the test sets it, and its sweeper runs every 20 ms.
    const clock = new SettableClock();
    const ownDir = await makeDataDir();
    const own = await startGateway(ownDir, { DBFORGE_TRASH_SWEEP_INTERVAL_MS: '20' }, { overrides: [{ provide: Clock, useValue: clock }] });
    try {
      await own.http.post('/admin/databases/spawn/swept').expect(201);
      const deleted = await own.http.delete('/admin/databases/swept').expect(200);
      const copy = join(ownDir, '.dbforge', 'trash', deleted.body.trash_id);

      clock.set(new Date(new Date(deleted.body.purge_after).getTime() - 1000));
      const reads = clock.reads;
      await until(() => clock.reads >= reads + 3); // three sweeps have read the time since
      expect(await exists(copy)).toBe(true);

      clock.set(new Date(deleted.body.purge_after));
      await until(async () => !(await exists(copy)));
      expect(await exists(copy)).toBe(false);
    } finally {
      await own.close();
      await removeDataDir(ownDir);
    }
  });

  it('keeps the deleted state across a restart', async () => {
    await gateway.http.post('/admin/databases/spawn/durable').expect(201);
    await query('durable', 'CREATE TABLE t (v)').expect(200);
    await query('durable', "INSERT INTO t VALUES ('survives')").expect(200);
    await gateway.http.delete('/admin/databases/durable').expect(200);
    await gateway.close();
    gateway = await startGateway(dataDir);
    await query('durable', 'SELECT 1').expect(404);
    expect((await gateway.http.get('/admin/databases').expect(200)).body.map((db: { name: string }) => db.name)).not.toContain('durable');
    expect((await gateway.http.get('/admin/trash').expect(200)).body.map((entry: { db_name: string }) => entry.db_name)).toContain('durable');
    await gateway.http.post('/admin/databases/durable/undelete').expect(201);
    expect((await query('durable', 'SELECT v FROM t').expect(200)).body.data).toEqual([{ v: 'survives' }]);
  });
});

describe('trash retention and the sweep timer', () => {
  let gateway: TestGateway;

  afterEach(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('purges at once with a retention of 0', async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_TRASH_RETENTION_HOURS: '0' });
    await gateway.http.post('/admin/databases/spawn/brief').expect(201);
    const deleted = await gateway.http.delete('/admin/databases/brief').expect(200);
    expect(deleted.body).toMatchObject({ message: 'Database deleted and purged.', purge_after: deleted.body.deleted_at });
    expect((await gateway.http.get('/admin/trash').expect(200)).body).toEqual([]);
    expectError((await gateway.http.post('/admin/databases/brief/undelete').expect(404)).body, 404, 'NOT_IN_TRASH');
  });

  it('runs the sweep on its interval', async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_TRASH_RETENTION_HOURS: '0.00001', DBFORGE_TRASH_SWEEP_INTERVAL_MS: '20' });
    await gateway.http.post('/admin/databases/spawn/tick').expect(201);
    await gateway.http.delete('/admin/databases/tick').expect(200);
    let remaining = 1;
    for (let attempt = 0; attempt < 200 && remaining > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      remaining = (await gateway.http.get('/admin/trash').expect(200)).body.length;
    }
    expect(remaining).toBe(0);
  });

  it('needs the admin key', async () => {
    const admin = 'admin-key-0123456789abcdef';
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: admin });
    await gateway.http.post('/admin/databases/spawn/locked').set('X-API-Key', admin).expect(201);
    const key = (await gateway.http.post('/admin/databases/locked/keys').set('X-API-Key', admin).send({ scope: 'read-write' }).expect(201)).body.key;
    expectError((await gateway.http.delete('/admin/databases/locked').expect(401)).body, 401, 'UNAUTHENTICATED');
    expectError((await gateway.http.delete('/admin/databases/locked').set('X-API-Key', key).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    expectError((await gateway.http.get('/admin/trash').set('X-API-Key', key).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.delete('/admin/databases/locked').set('X-API-Key', admin).expect(200);
  });
});
