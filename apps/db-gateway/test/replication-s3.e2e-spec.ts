import type Docker from 'dockerode';
import { TEST_WORKER_IMAGE, buildTestWorkerImage, describeWithDocker, dockerClient, removeWorkers, uniqueName } from './support/docker-engine';
import { S3Server, startS3Server } from './support/s3-server';
import { TestGateway, makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

/**
 * Continuous replicas on an S3-compatible store: s3rver 3.7.1 on loopback (the real S3 protocol,
 * signed requests, objects on disk), with the real Litestream, from the gateway (embedded runtime)
 * and from the worker containers (Docker runtime, host network).
 */
function s3ReplicaSuite(runtime: 'embedded' | 'docker', prepare: () => Promise<Record<string, string>>, cleanup: (names: string[]) => Promise<void>): void {
  let s3: S3Server;
  let env: Record<string, string>;
  const gateways: TestGateway[] = [];
  const names: string[] = [];
  const name = (label: string) => {
    const database = uniqueName(label);
    names.push(database);
    return database;
  };
  const start = async () => {
    const gateway = await startGateway(await makeDataDir(), env);
    gateways.push(gateway);
    return gateway;
  };
  const sql = (gateway: TestGateway, db: string, statement: string, params: unknown[] = []) => gateway.http.post(`/api/db/${db}/query`).send({ sql: statement, params }).expect(200);
  const count = async (gateway: TestGateway, db: string) => (await sql(gateway, db, 'SELECT count(*) AS n FROM entries')).body.data[0].n as number;
  const insert = async (gateway: TestGateway, db: string, from: number, to: number) => {
    for (let i = from; i < to; i++) await sql(gateway, db, 'INSERT INTO entries (n) VALUES (?)', [i]);
  };
  const replicated = async (gateway: TestGateway, db: string) => {
    await new Promise((wait) => setTimeout(wait, 600)); // past the gateway's next look at the WAL
    await until(async () => {
      const { replication } = (await gateway.http.get(`/admin/databases/${db}`).expect(200)).body;
      return replication.position !== null && replication.lag_ms === 0;
    }, 20_000);
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    env = { ...(await prepare()), ...s3.credentials, DBFORGE_REPLICA_URL: `s3://${s3.bucket}/dbs`, DBFORGE_REPLICA_S3_ENDPOINT: s3.endpoint, DBFORGE_REPLICA_SYNC_INTERVAL_MS: '200' };
  }, 120_000);

  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
    await cleanup(names);
    await s3?.close();
  });

  it(`ships to the bucket (${runtime}), restores a moment between two batches, branches, and recovers on an empty data directory`, async () => {
    const gateway = await start();
    const db = name('s3');
    await gateway.http.post(`/admin/databases/spawn/${db}`).expect(201);
    await sql(gateway, db, 'CREATE TABLE entries (id INTEGER PRIMARY KEY, n INTEGER)');
    await insert(gateway, db, 0, 10);
    await replicated(gateway, db);
    const { replication } = (await gateway.http.get(`/admin/databases/${db}`).expect(200)).body;
    expect(replication).toMatchObject({ replica: `s3://${s3.bucket}/dbs/${db}`, position: expect.stringMatching(/^[0-9a-f]{16}\//), last_error: null });

    await new Promise((wait) => setTimeout(wait, 500));
    const between = new Date().toISOString();
    await new Promise((wait) => setTimeout(wait, 500));
    await insert(gateway, db, 10, 25);
    await replicated(gateway, db);
    await gateway.http.post(`/admin/databases/${db}/restore`).send({ timestamp: between }).expect(200);
    expect(await count(gateway, db)).toBe(10);

    await insert(gateway, db, 100, 102);
    await replicated(gateway, db);
    const branch = name('s3-branch');
    await gateway.http.post(`/admin/databases/spawn/${branch}`).send({ from: db, timestamp: new Date().toISOString() }).expect(201);
    await insert(gateway, branch, 200, 205);
    expect([await count(gateway, branch), await count(gateway, db)]).toEqual([17, 12]);

    // A new machine: the same store, nothing else. An S3 store is not listed, so the name is asked for.
    const fresh = await start();
    expect((await fresh.http.get('/admin/replicas').expect(200)).body).toEqual({ replica: `s3://${s3.bucket}/dbs`, databases: null });
    if (runtime === 'docker') await cleanup([db]); // the lost machine's worker went with it
    await fresh.http.post(`/admin/databases/${db}/recover`).expect(201);
    expect(await count(fresh, db)).toBe(12);
    expect((await sql(fresh, db, 'PRAGMA integrity_check')).body.data).toEqual([{ integrity_check: 'ok' }]);
  }, 120_000);
}

describe('continuous replicas on S3 (s3rver, embedded runtime)', () => {
  s3ReplicaSuite('embedded', async () => ({}), async () => undefined);
});

describeWithDocker('continuous replicas on S3 from the worker containers (s3rver, real engine)', () => {
  let docker: Docker;
  s3ReplicaSuite(
    'docker',
    async () => {
      docker = dockerClient();
      await buildTestWorkerImage(docker);
      return { DBFORGE_RUNTIME: 'docker', DBFORGE_WORKER_IMAGE: TEST_WORKER_IMAGE };
    },
    (names) => removeWorkers(docker, names),
  );
});
