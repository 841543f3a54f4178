import { DbForgeClient } from '@dbforge/client';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

/** Continuous replicas with the real Litestream binary and a file:// replica store, on the embedded runtime. */
describe('continuous replicas (Litestream, file:// store)', () => {
  let replicaDir: string;
  let replicaEnv: Record<string, string>;
  let gateway: TestGateway;

  const count = async (db: string, on = gateway) => (await on.http.post(`/api/db/${db}/query`).send({ sql: 'SELECT count(*) AS n FROM entries' }).expect(200)).body.data[0].n as number;
  const insert = async (db: string, from: number, to: number) => {
    for (let i = from; i < to; i++) await gateway.http.post(`/api/db/${db}/query`).send({ sql: 'INSERT INTO entries (n) VALUES (?)', params: [i] }).expect(200);
  };
  /** Waits until every write of `db` is in the replica (the gateway reports no lag and a position). */
  const replicated = async (db: string, on = gateway) =>
    until(async () => {
      const { replication } = (await on.http.get(`/admin/databases/${db}`).expect(200)).body;
      return replication.position !== null && replication.lag_ms === 0 && replication.replicated_at !== null;
    }, 15_000);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    replicaDir = await mkdtemp(join(tmpdir(), 'dbforge-replica-'));
    replicaEnv = { DBFORGE_REPLICA_URL: `file://${replicaDir}`, DBFORGE_REPLICA_SYNC_INTERVAL_MS: '200' };
    gateway = await startGateway(await makeDataDir(), replicaEnv);
    await gateway.http.post('/admin/databases/spawn/ledger').expect(201);
    await gateway.http.post('/api/db/ledger/query').send({ sql: 'CREATE TABLE entries (id INTEGER PRIMARY KEY, n INTEGER)' }).expect(200);
  });

  afterAll(async () => {
    await gateway?.close();
    await removeDataDir(gateway.dataDir);
    await rm(replicaDir, { recursive: true, force: true });
  });

  it('replicates every database and reports where it stands', async () => {
    await insert('ledger', 0, 10);
    await replicated('ledger');
    const { replication } = (await gateway.http.get('/admin/databases/ledger').expect(200)).body;
    expect(replication).toEqual({ replica: `file://${replicaDir}/ledger`, position: expect.stringMatching(/^[0-9a-f]{16}\/[0-9a-f]{8}:\d+$/), replicated_at: expect.any(String), lag_ms: 0, last_error: null });
    expect(await readdir(join(replicaDir, 'ledger'))).toContain('generations');
  });

  let between: string;

  it('restores the database as it was at a moment between two batches of writes', async () => {
    await pause(500);
    between = new Date().toISOString();
    await pause(500);
    await insert('ledger', 10, 25);
    await replicated('ledger');
    expect(await count('ledger')).toBe(25);
    const restored = await gateway.http.post('/admin/databases/ledger/restore').send({ timestamp: between }).expect(200);
    expect(restored.body).toMatchObject({ message: 'Database restored successfully.', db_name: 'ledger', previous_snapshot: expect.stringMatching(/pre-restore/) });
    expect(await count('ledger')).toBe(10);
    // The version it replaced is a snapshot, as for any restore.
    const snapshots = (await gateway.http.get('/admin/databases/ledger/snapshots').expect(200)).body;
    expect(snapshots.map((snapshot: { id: string }) => snapshot.id)).toContain(restored.body.previous_snapshot);
    // Writes go on, and keep replicating, after the swap.
    await insert('ledger', 100, 103);
    expect(await count('ledger')).toBe(13);
    await replicated('ledger');
  });

  it('refuses bad moments and moments the replica does not cover, changing nothing', async () => {
    for (const timestamp of ['yesterday', '2026-12-03', 12, '2026-13-40T00:00:00Z', '2999-01-01T00:00:00Z']) {
      const response = await gateway.http.post('/admin/databases/ledger/restore').send({ timestamp }).expect(400);
      expectError(response.body, 400, 'VALIDATION_FAILED');
    }
    await gateway.http.post('/admin/databases/ledger/restore').send({ timestamp: between, extra: 1 }).expect(400);
    const tooOld = await gateway.http.post('/admin/databases/ledger/restore').send({ timestamp: '2001-01-01T00:00:00Z' }).expect(404);
    expectError(tooOld.body, 404, 'REPLICA_NOT_FOUND');
    expect(await count('ledger')).toBe(13);
  });

  it('branches a database at a moment and now; a branch diverges without touching its source', async () => {
    const latest = await gateway.http.post('/admin/databases/spawn/ledger-now').send({ from: 'ledger' }).expect(201);
    expect(latest.body).toMatchObject({ message: 'Database instance spawned successfully.', db_name: 'ledger-now' });
    expect(await count('ledger-now')).toBe(13);
    await gateway.http.post('/api/db/ledger-now/query').send({ sql: 'DELETE FROM entries' }).expect(200);
    expect(await count('ledger-now')).toBe(0);
    expect(await count('ledger')).toBe(13);
    const { port } = gateway.app.getHttpServer().address() as { port: number };
    const forge = new DbForgeClient({ baseUrl: `http://127.0.0.1:${port}` });
    expect(await forge.branch('ledger-then', 'ledger', new Date(between))).toMatchObject({ db_name: 'ledger-then' });
    expect(await count('ledger-then')).toBe(10);
    // An existing name is never overwritten; an unknown source has no replica.
    expectError((await gateway.http.post('/admin/databases/spawn/ledger-now').send({ from: 'ledger' }).expect(409)).body, 409, 'DATABASE_EXISTS');
    expectError((await gateway.http.post('/admin/databases/spawn/ghost-branch').send({ from: 'never-was' }).expect(404)).body, 404, 'REPLICA_NOT_FOUND');
    expectError((await gateway.http.post('/admin/databases/spawn/bad-branch').send({ from: '../etc' }).expect(400)).body, 400, 'VALIDATION_FAILED');
    // A v1 spawn with any other JSON body is still a plain spawn.
    await gateway.http.post('/admin/databases/spawn/plain').send({ name: 'ignored' }).expect(201);
  });

  it('reports replication in readiness, and a purge removes the replica too', async () => {
    const ready = (await gateway.http.get('/health/ready').expect(200)).body;
    expect(ready.details.replication).toEqual({ status: 'up', detail: expect.stringMatching(/database\(s\) replicating to file:\/\//) });
    const metrics = (await gateway.http.get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^dbforge_replication_up 1$/m);
    expect(metrics).toMatch(/^dbforge_replication_lag_seconds\{database="ledger"\} 0$/m);
    await replicated('plain');
    expect(await readdir(replicaDir)).toContain('plain');
    await gateway.http.delete('/admin/databases/plain').expect(200);
    expect(await readdir(replicaDir)).toContain('plain'); // in the trash, it can come back: its replica stays
    await gateway.http.delete('/admin/trash/plain').expect(200);
    expect(await readdir(replicaDir)).not.toContain('plain');
  });

  it('recovers databases on an empty data directory from the replica alone', async () => {
    await replicated('ledger');
    await replicated('ledger-now');
    await gateway.close();
    const fresh = await startGateway(await makeDataDir(), replicaEnv);
    try {
      const listed = (await fresh.http.get('/admin/replicas').expect(200)).body;
      expect(listed).toEqual({ replica: `file://${replicaDir}`, databases: expect.arrayContaining(['ledger', 'ledger-now']) });
      expectError((await fresh.http.post('/api/db/ledger/query').send({ sql: 'SELECT 1' }).expect(404)).body, 404, 'DATABASE_NOT_FOUND');
      await fresh.http.post('/admin/databases/ledger/recover').expect(201);
      expect(await count('ledger', fresh)).toBe(13);
      const integrity = await fresh.http.post('/api/db/ledger/query').send({ sql: 'PRAGMA integrity_check' }).expect(200);
      expect(integrity.body.data).toEqual([{ integrity_check: 'ok' }]);
      expectError((await fresh.http.post('/admin/databases/ledger/recover').expect(409)).body, 409, 'DATABASE_EXISTS');
      expectError((await fresh.http.post('/admin/databases/nothing-here/recover').expect(404)).body, 404, 'REPLICA_NOT_FOUND');
    } finally {
      gateway = fresh;
    }
  });

  it('says replication is off on a gateway without DBFORGE_REPLICA_URL', async () => {
    const plain = await startGateway(await makeDataDir());
    try {
      await plain.http.post('/admin/databases/spawn/solo').expect(201);
      expect((await plain.http.get('/admin/databases/solo').expect(200)).body.replication).toBeNull();
      expectError((await plain.http.post('/admin/databases/solo/restore').send({ timestamp: '2026-01-01T00:00:00Z' }).expect(400)).body, 400, 'REPLICATION_OFF');
      expectError((await plain.http.post('/admin/databases/spawn/b').send({ from: 'solo' }).expect(400)).body, 400, 'REPLICATION_OFF');
      expectError((await plain.http.get('/admin/replicas').expect(400)).body, 400, 'REPLICATION_OFF');
    } finally {
      await plain.close();
      await removeDataDir(plain.dataDir);
    }
  });
});
