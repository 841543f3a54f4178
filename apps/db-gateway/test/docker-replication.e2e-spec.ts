import type Docker from 'dockerode';
import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_GATEWAY, exited, startGatewayProcess } from './support/compiled-gateway';
import { TEST_WORKER_IMAGE, buildTestWorkerImage, describeWithDocker, dockerClient, removeWorkers, uniqueName } from './support/docker-engine';
import { describeLoss, measureCrashLoss } from './support/replica-crash';
import { TestGateway, makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

/** Continuous replicas on the Docker runtime: each database's worker container runs Litestream for it (real engine, real binary, file:// store). */
describeWithDocker('continuous replicas in the worker containers (real engine, real Litestream)', () => {
  let docker: Docker;
  let replicaDir: string;
  let gateway: TestGateway;
  const used: string[] = [];
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const name = (label: string) => {
    const database = uniqueName(label);
    used.push(database);
    return database;
  };
  const env = () => ({ DBFORGE_RUNTIME: 'docker', DBFORGE_WORKER_IMAGE: TEST_WORKER_IMAGE, DBFORGE_REPLICA_URL: `file://${replicaDir}`, DBFORGE_REPLICA_SYNC_INTERVAL_MS: '200' });
  const worker = (database: string) => docker.getContainer(`db-worker-${database}`);
  const sql = (db: string, statement: string, params: unknown[] = []) => gateway.http.post(`/api/db/${db}/query`).send({ sql: statement, params }).expect(200);
  const count = async (db: string) => (await sql(db, 'SELECT count(*) AS n FROM entries')).body.data[0].n as number;
  const insert = async (db: string, from: number, to: number) => {
    for (let i = from; i < to; i++) await sql(db, 'INSERT INTO entries (n) VALUES (?)', [i]);
  };
  const state = async (db: string) => (await gateway.http.get(`/admin/databases/${db}`).expect(200)).body.replication;
  /** Every write of `db` shipped: a position, no lag (the gateway looks at the WAL every 500 ms, so wait past one look first). */
  const replicated = async (db: string) => {
    await new Promise((wait) => setTimeout(wait, 600));
    await until(async () => {
      const replication = await state(db);
      return replication.position !== null && replication.lag_ms === 0;
    }, 20_000);
  };
  const spawnWithTable = async (db: string) => {
    await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await sql(db, 'CREATE TABLE entries (id INTEGER PRIMARY KEY, n INTEGER)');
  };

  beforeAll(async () => {
    docker = dockerClient();
    await buildTestWorkerImage(docker);
    replicaDir = await mkdtemp(join(tmpdir(), 'dbforge-worker-replica-'));
    gateway = await startGateway(await makeDataDir(), env());
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await gateway?.close();
    await removeWorkers(docker, used);
    await removeDataDir(gateway.dataDir);
    for (const dir of dirs) await removeDataDir(dir);
    await rm(replicaDir, { recursive: true, force: true });
  });

  it('runs Litestream in the worker, as its user, with only its own directory of the store mounted', async () => {
    const db = name('ship');
    await spawnWithTable(db);
    await insert(db, 0, 5);
    await replicated(db);
    const info = await worker(db).inspect();
    expect(info.Config.Cmd).toEqual(['/bin/litestream', 'replicate', '-config', '/data/.litestream.yml']);
    expect(info.Config.User).toBe('10001:10001');
    expect(info.Config.Labels).toEqual(expect.objectContaining({ 'dbforge.replicating': 'true' }));
    expect(info.HostConfig).toEqual(expect.objectContaining({ NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'], Binds: [`${join(gateway.dataDir, db)}:/data`, `${join(replicaDir, db)}:/replica`] }));
    expect(await state(db)).toEqual({ replica: `file://${replicaDir}/${db}`, position: expect.stringMatching(/^[0-9a-f]{16}\/[0-9a-f]{8}:\d+$/), replicated_at: expect.any(String), lag_ms: 0, last_error: null });
    expect(await readdir(join(replicaDir, db))).toEqual(['generations']);
    expect((await stat(join(gateway.dataDir, db, `${db}.db`))).uid).toBe(10001);
    // The gateway runs no Litestream of its own.
    expect(existsSync(join(gateway.dataDir, '.dbforge/litestream.pid'))).toBe(false);
    const ready = (await gateway.http.get('/health/ready').expect(200)).body.details.replication;
    expect(ready).toEqual({ status: 'up', detail: expect.stringContaining('(Litestream in the worker containers)') });
  });

  it('a worker image without Litestream: a replicating gateway is not ready and says how to get one', async () => {
    const image = `dbforge-test-worker-plain-${process.pid}:latest`;
    await buildTestWorkerImage(docker, { tag: image, litestream: false });
    const plain = await startGateway(await makeDataDir(), { ...env(), DBFORGE_WORKER_IMAGE: image });
    try {
      const ready = (await plain.http.get('/health/ready').expect(503)).body.details.runtime;
      expect(ready).toEqual({ status: 'down', detail: expect.stringContaining(`the worker image ${image} has no Litestream, which replication (DBFORGE_REPLICA_URL) runs in each worker: rebuild it with \`npm run worker-image\``) });
    } finally {
      await plain.close();
      await removeDataDir(plain.dataDir);
      await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    }
  });

  it('restores a database as it was between two batches of writes, and the worker replicates it again', async () => {
    const db = name('pitr');
    await spawnWithTable(db);
    await insert(db, 0, 10);
    await replicated(db);
    await new Promise((wait) => setTimeout(wait, 500));
    const between = new Date().toISOString();
    await new Promise((wait) => setTimeout(wait, 500));
    await insert(db, 10, 25);
    await replicated(db);
    await gateway.http.post(`/admin/databases/${db}/restore`).send({ timestamp: between }).expect(200);
    expect(await count(db)).toBe(10);
    expect((await worker(db).inspect()).State.Status).toBe('running');
    await insert(db, 100, 103);
    await replicated(db);
    const latest = name('pitr-branch');
    await gateway.http.post(`/admin/databases/spawn/${latest}`).send({ from: db, timestamp: new Date().toISOString() }).expect(201);
    expect(await count(latest)).toBe(13); // the replica's latest state holds the writes after the restore
  });

  it('a branch diverges from its source without touching it', async () => {
    const source = name('src');
    const branch = name('br');
    await spawnWithTable(source);
    await insert(source, 0, 4);
    await replicated(source);
    await gateway.http.post(`/admin/databases/spawn/${branch}`).send({ from: source, timestamp: new Date().toISOString() }).expect(201);
    await insert(branch, 4, 9);
    expect(await count(branch)).toBe(9);
    expect(await count(source)).toBe(4);
    await replicated(branch);
    expect((await worker(branch).inspect()).Config.Cmd?.[0]).toBe('/bin/litestream');
  });

  it('a worker killed with SIGKILL is started again and its Litestream catches up with the writes made meanwhile', async () => {
    const db = name('kill');
    await spawnWithTable(db);
    await insert(db, 0, 3);
    await replicated(db);
    await worker(db).kill({ signal: 'SIGKILL' });
    await insert(db, 3, 8); // the gateway serves the database; only its shipping waits
    await until(async () => (await worker(db).inspect()).State.Running, 20_000);
    await replicated(db);
    const copy = name('kill-copy');
    await gateway.http.post(`/admin/databases/spawn/${copy}`).send({ from: db, timestamp: new Date().toISOString() }).expect(201);
    expect(await count(copy)).toBe(8);
  });

  it('kill -9 of the gateway and the worker under four writers, then recovery on an empty data directory', async () => {
    if (!existsSync(COMPILED_GATEWAY)) throw new Error(`${COMPILED_GATEWAY} is missing: run "npm run build" (npm test does it first).`);
    const [first, second] = [await makeDataDir(), await makeDataDir()];
    dirs.push(first, second);
    const db = name('crash');
    const processEnv = { ...env(), DBFORGE_REPLICA_SYNC_INTERVAL_MS: '1000' };
    const lost = await startGatewayProcess(first, processEnv);
    children.push(lost.child);
    const loss = await measureCrashLoss(
      db,
      lost.base,
      async () => {
        // The machine is lost: the gateway and the worker (its Litestream) die at once, and with them the worker container.
        await Promise.all([worker(db).kill({ signal: 'SIGKILL' }), (async () => lost.child.kill('SIGKILL'))()]);
        await exited(lost.child);
        await worker(db).remove({ force: true });
      },
      async () => {
        const recovered = await startGatewayProcess(second, processEnv);
        children.push(recovered.child);
        return recovered.base;
      },
    );
    console.log(describeLoss('gateway and worker container killed', loss, 1000));
    expect(loss.integrity).toEqual([{ integrity_check: 'ok' }]);
    expect(loss.acknowledged).toBeGreaterThan(100);
    expect(loss.unknown).toEqual([]);
    expect(loss.missing.filter(({ msBeforeLoss }) => msBeforeLoss > 3_000)).toEqual([]);
    // The recovered database has a worker of its own, which replicates it.
    expect((await worker(db).inspect()).Config.Cmd?.[0]).toBe('/bin/litestream');
  }, 120_000);
});
