import type Docker from 'dockerode';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerSocketProxy } from './support/docker-socket.proxy';
import { TEST_WORKER_IMAGE, buildTestWorkerImage, describeWithDocker, dockerClient, removeWorkers, uniqueName } from './support/docker-engine';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((wait) => setTimeout(wait, 200));
  }
}

describeWithDocker('gateway on the Docker runtime (real engine)', () => {
  let docker: Docker;
  let dataDir: string;
  let gateway: TestGateway;
  const used: string[] = [];
  const name = (label: string) => {
    const database = uniqueName(label);
    used.push(database);
    return database;
  };
  const env = () => ({ DBFORGE_RUNTIME: 'docker', DBFORGE_WORKER_IMAGE: TEST_WORKER_IMAGE, DBFORGE_WORKER_MEMORY_MB: '48', DBFORGE_WORKER_PIDS: '16' });
  const worker = (database: string) => docker.getContainer(`db-worker-${database}`);

  beforeAll(async () => {
    docker = dockerClient();
    await buildTestWorkerImage(docker);
    dataDir = await makeDataDir();
    gateway = await startGateway(dataDir, env());
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await removeWorkers(docker, used);
    await removeDataDir(dataDir);
  });

  it('spawns a hardened worker container with the v1 and v2 labels', async () => {
    const db = name('hard');
    const spawned = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    expect(spawned.body).toEqual({ message: 'Database instance spawned successfully.', db_name: db, container_id: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const info = await worker(db).inspect();
    expect(info.Id).toBe(spawned.body.container_id);
    expect(info.Name).toBe(`/db-worker-${db}`);
    expect(info.State.Status).toBe('running');
    expect(info.Config.Image).toBe(TEST_WORKER_IMAGE);
    expect(info.Config.Labels).toEqual(
      expect.objectContaining({ 'dbforge.managed': 'true', 'dbforge.database': db, 'db-worker': 'true', 'db-name': db }),
    );
    expect(info.Config.User).toBe('10001:10001');
    expect(info.HostConfig).toEqual(
      expect.objectContaining({
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Memory: 48 * 1024 * 1024,
        NanoCpus: 250_000_000,
        PidsLimit: 16,
        Init: true,
        RestartPolicy: expect.objectContaining({ Name: 'unless-stopped' }),
        Binds: [`${join(dataDir, db)}:/data`],
      }),
    );
    expect(existsSync(join(dataDir, db, `${db}.db`))).toBe(true);
  });

  it('answers a second spawn with 200 and the same container; lists and describes the real worker', async () => {
    const db = name('list');
    const first = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    const second = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(200);
    expect(second.body.container_id).toBe(first.body.container_id);

    const listed = (await gateway.http.get('/admin/databases').expect(200)).body.find((entry: { name: string }) => entry.name === db);
    expect(listed).toEqual({ name: db, container_id: first.body.container_id, status: 'running', runtime: 'docker', created_at: expect.any(String) });

    const details = await gateway.http.get(`/admin/databases/${db}`).expect(200);
    expect(details.body).toEqual({
      name: db,
      status: 'active',
      runtime: 'docker',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      container_id: first.body.container_id,
      worker: {
        id: first.body.container_id,
        state: 'running',
        image: TEST_WORKER_IMAGE,
        started_at: expect.any(String),
        limits: { memory_bytes: 48 * 1024 * 1024, nano_cpus: 250_000_000, pids: 16 },
      },
      file: { size_bytes: expect.any(Number), wal_size_bytes: expect.any(Number), missing: false },
      replication: null,
      tables: expect.any(Array),
      page_size: expect.any(Number),
      page_count: expect.any(Number),
      freelist_count: expect.any(Number),
      last_written_at: expect.any(String),
    });
    expect(details.body.file.size_bytes).toBeGreaterThan(0);
  });

  it('prunes: the container goes, the data stays; spawning again re-attaches it', async () => {
    const db = name('prune');
    const first = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await gateway.http.post(`/api/db/${db}/query`).send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    await gateway.http.post(`/api/db/${db}/tables/t/rows`).send({ rows: [{ v: 'survives' }] }).expect(201);

    await gateway.http.post(`/admin/databases/prune/${db}`).expect(200);
    await expect(worker(db).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(existsSync(join(dataDir, db, `${db}.db`))).toBe(true);
    expect((await gateway.http.get(`/admin/databases/${db}`).expect(200)).body).toMatchObject({ status: 'pruned', worker: null });

    const again = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    expect(again.body.container_id).not.toBe(first.body.container_id);
    expect((await gateway.http.get(`/api/db/${db}/tables/t/rows`).expect(200)).body.data).toEqual([{ v: 'survives' }]);
  });

  it('safe delete removes the worker and moves the data to the trash; undelete brings both back; restore keeps the worker', async () => {
    const db = name('trash');
    await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await gateway.http.post(`/api/db/${db}/query`).send({ sql: 'CREATE TABLE t (v TEXT)' }).expect(200);
    await gateway.http.post(`/api/db/${db}/tables/t/rows`).send({ rows: [{ v: 'kept in the trash' }] }).expect(201);
    const snapshot = (await gateway.http.post(`/admin/databases/${db}/snapshots`).expect(201)).body.id as string;
    await gateway.http.post(`/api/db/${db}/tables/t/rows`).send({ rows: [{ v: 'after the snapshot' }] }).expect(201);
    await gateway.http.post(`/admin/databases/${db}/snapshots/${snapshot}/restore`).expect(200);
    expect((await worker(db).inspect()).State.Status).toBe('running');
    expect((await gateway.http.get(`/api/db/${db}/tables/t/rows`).expect(200)).body.data).toEqual([{ v: 'kept in the trash' }]);

    await gateway.http.delete(`/admin/databases/${db}`).expect(200);
    await expect(worker(db).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(existsSync(join(dataDir, db))).toBe(false);
    await gateway.http.get(`/api/db/${db}/tables/t/rows`).expect(404);

    const back = await gateway.http.post(`/admin/databases/${db}/undelete`).expect(201);
    const info = await worker(db).inspect();
    expect(info.State.Status).toBe('running');
    expect(back.body.container_id).toBe(info.Id);
    expect((await gateway.http.get(`/api/db/${db}/tables/t/rows`).expect(200)).body.data).toEqual([{ v: 'kept in the trash' }]);
  });

  it('leaves no container, catalog entry or file behind when a spawn fails, and says why (502)', async () => {
    const broken = await startGateway(dataDir, { ...env(), DBFORGE_WORKER_IMAGE: 'dbforge-no-such-image:never' });
    try {
      const db = name('noimage');
      const response = await broken.http.post(`/admin/databases/spawn/${db}`).expect(502);
      expect(expectError(response.body, 502, 'RUNTIME_FAILURE').detail).toContain('No such image: dbforge-no-such-image:never');
      await expect(worker(db).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(existsSync(join(dataDir, db))).toBe(false);
      await broken.http.get(`/admin/databases/${db}`).expect(404);
      await broken.http.post(`/api/db/${db}/query`).send({ sql: 'SELECT 1' }).expect(404);
    } finally {
      await broken.close();
    }
  });

  it('restarts a worker killed from outside, by itself (engine events)', async () => {
    const db = name('killed');
    await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await worker(db).kill();
    const info = await eventually(() => worker(db).inspect(), (state) => state.State.Status === 'running');
    expect(info.State.Status).toBe('running');
  });

  it('recreates a worker removed from outside on POST /admin/reconcile, and reports orphans without touching them', async () => {
    const db = name('vanished');
    const first = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await worker(db).remove({ force: true });
    const orphan = name('orphan');
    await docker.createContainer({
      name: `db-worker-${orphan}`,
      Image: TEST_WORKER_IMAGE,
      Labels: { 'dbforge.managed': 'true', 'dbforge.database': orphan },
      HostConfig: { NetworkMode: 'none', Init: true },
    });

    // The destroy event may already have triggered a repair; either way the report and the list agree.
    const report = await gateway.http.post('/admin/reconcile').expect(200);
    expect([...report.body.recreated, ...report.body.restarted, ...report.body.running]).toContain(db);
    expect(report.body.orphans).toContain(orphan);
    expect(report.body.failed).toEqual([]);
    const listed = (await gateway.http.get('/admin/databases').expect(200)).body.find((entry: { name: string }) => entry.name === db);
    expect(listed.status).toBe('running');
    expect(listed.container_id).not.toBe(first.body.container_id);
    expect((await worker(orphan).inspect()).Config.Labels['dbforge.database']).toBe(orphan);
  });

  it('adopts running workers after a gateway restart instead of recreating them', async () => {
    const db = name('adopt');
    const spawned = await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await gateway.close();
    gateway = await startGateway(dataDir, env());
    const listed = (await gateway.http.get('/admin/databases').expect(200)).body.find((entry: { name: string }) => entry.name === db);
    expect(listed).toMatchObject({ status: 'running', container_id: spawned.body.container_id });
    const report = await gateway.http.post('/admin/reconcile').expect(200);
    expect(report.body.running).toContain(db);
  });

  it('adopts a labelled running worker whose data directory exists but that the catalog does not know', async () => {
    const db = name('stray');
    const other = await startGateway(await makeDataDir(), env());
    try {
      await other.http.post(`/admin/databases/spawn/${db}`).expect(201);
    } finally {
      await other.close();
      await removeDataDir(other.dataDir);
    }
    // Its worker still runs, and its data directory appears under our data dir (e.g. restored from a backup).
    mkdirSync(join(dataDir, db), { recursive: true });
    writeFileSync(join(dataDir, db, `${db}.db`), '');
    const report = await gateway.http.post('/admin/reconcile').expect(200);
    expect(report.body.adopted).toContain(db);
    expect((await gateway.http.get(`/admin/databases/${db}`).expect(200)).body.status).toBe('active');
  });

  describe('when the engine goes away', () => {
    let proxy: DockerSocketProxy;
    let viaProxy: TestGateway;
    let db: string;

    beforeAll(async () => {
      proxy = new DockerSocketProxy(join(dataDir, 'engine.sock'), '/var/run/docker.sock');
      await proxy.start();
      viaProxy = await startGateway(await makeDataDir(), { ...env(), DBFORGE_DOCKER_SOCKET: proxy.path });
      db = name('offline');
      await viaProxy.http.post(`/admin/databases/spawn/${db}`).expect(201);
      await viaProxy.http.post(`/api/db/${db}/query`).send({ sql: 'CREATE TABLE t (v INTEGER)' }).expect(200);
      await viaProxy.http.get('/health/ready').expect(200);
      await proxy.stop();
    });

    afterAll(async () => {
      await viaProxy?.close();
      await proxy?.stop();
      await removeDataDir(viaProxy.dataDir);
    });

    it('keeps the data plane answering', async () => {
      await viaProxy.http.post(`/api/db/${db}/query`).send({ sql: 'INSERT INTO t VALUES (1)' }).expect(200);
      expect((await viaProxy.http.get(`/api/db/${db}/tables/t/rows`).expect(200)).body.data).toEqual([{ v: 1 }]);
    });

    it('answers admin calls that need the engine with 503 and a clear message', async () => {
      const spawn = await viaProxy.http.post(`/admin/databases/spawn/${name('later')}`).expect(503);
      expect(expectError(spawn.body, 503, 'RUNTIME_UNAVAILABLE').detail).toMatch(/^Docker engine is unreachable/);
      await viaProxy.http.post(`/admin/databases/prune/${db}`).expect(503);
      await viaProxy.http.post('/admin/reconcile').expect(503);
      const listed = (await viaProxy.http.get('/admin/databases').expect(200)).body;
      expect(listed).toEqual([expect.objectContaining({ name: db, status: 'unknown' })]);
    });

    it('reports the engine down in readiness, and up again when it returns', async () => {
      const ready = await viaProxy.http.get('/health/ready').expect(503);
      expect(ready.body).toMatchObject({ status: 'error', error: { runtime: { status: 'down' } }, info: { data_dir: { status: 'up' }, catalog: { status: 'up' } } });
      await viaProxy.http.get('/health/live').expect(200);
      await proxy.start();
      await viaProxy.http.get('/health/ready').expect(200);
      await proxy.stop();
    });
  });
});
