import { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_GATEWAY, exited, startGatewayProcess } from './support/compiled-gateway';
import { describeLoss, measureCrashLoss } from './support/replica-crash';
import { makeDataDir, removeDataDir, startGateway, until } from './support/test-gateway';

/** The compiled gateway as users run it, replicating to `replica` with the default sync interval (1 s). */
const gatewayProcess = (dataDir: string, replica: string) => startGatewayProcess(dataDir, { DBFORGE_RUNTIME: 'embedded', DBFORGE_REPLICA_URL: `file://${replica}` });

const litestreamPid = (dataDir: string) => Number(readFileSync(join(dataDir, '.dbforge/litestream.pid'), 'utf8'));
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
const killed = exited;

/**
 * What a crash loses with continuous replicas: four writers, then the machine goes (the gateway and its
 * Litestream killed at once, the data directory abandoned), then recovery on an empty one. Printed:
 * the acknowledged writes the replica lacks, the measured loss window.
 */
describe('replicas under a crash (compiled gateway, real Litestream)', () => {
  let replica: string;
  const dirs: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(COMPILED_GATEWAY)) throw new Error(`${COMPILED_GATEWAY} is missing: run "npm run build" (npm test does it first).`);
    replica = await mkdtemp(join(tmpdir(), 'dbforge-replica-crash-'));
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) await removeDataDir(dir);
    await rm(replica, { recursive: true, force: true });
  });

  it('recovers every write acknowledged more than three sync intervals before the loss, intact', async () => {
    const first = await makeDataDir();
    const second = await makeDataDir();
    dirs.push(first, second);
    const lost = await gatewayProcess(first, replica);
    children.push(lost.child);
    const loss = await measureCrashLoss(
      'orders',
      lost.base,
      async () => {
        // The machine is lost: the gateway and its Litestream die at the same instant.
        process.kill(litestreamPid(first), 'SIGKILL');
        lost.child.kill('SIGKILL');
        await killed(lost.child);
      },
      async () => {
        const recovered = await gatewayProcess(second, replica);
        children.push(recovered.child);
        return recovered.base;
      },
    );
    console.log(describeLoss('gateway and its Litestream killed', loss, 1000));
    expect(loss.integrity).toEqual([{ integrity_check: 'ok' }]);
    expect(loss.acknowledged).toBeGreaterThan(100);
    // Nothing that was never written, and nothing acknowledged well before the loss, is missing.
    expect(loss.unknown).toEqual([]);
    expect(loss.missing.filter(({ msBeforeLoss }) => msBeforeLoss > 3_000)).toEqual([]);
  }, 90_000);

  it('a gateway killed outright leaves Litestream running; the next one on the same data stops it and replicates alone', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const crashed = await gatewayProcess(dataDir, replica);
    children.push(crashed.child);
    expect((await fetch(`${crashed.base}/admin/databases/spawn/solo`, { method: 'POST' })).status).toBe(201);
    await until(() => existsSync(join(dataDir, '.dbforge/litestream.pid')), 10_000);
    // Once the database is shipped an idle Litestream writes nothing; a log line to the dead gateway's
    // pipe would end it (SIGPIPE), which is the other way a leftover goes.
    await until(async () => ((await (await fetch(`${crashed.base}/admin/databases/solo`)).json()) as { replication: { position: string | null } }).replication.position !== null, 15_000);
    const orphan = litestreamPid(dataDir);
    crashed.child.kill('SIGKILL');
    await killed(crashed.child);
    expect(alive(orphan)).toBe(true);
    const next = await gatewayProcess(dataDir, replica);
    children.push(next.child);
    try {
      await until(() => !alive(orphan), 10_000);
      await until(() => existsSync(join(dataDir, '.dbforge/litestream.pid')) && alive(litestreamPid(dataDir)), 10_000);
      expect(litestreamPid(dataDir)).not.toBe(orphan);
    } finally {
      next.child.kill('SIGTERM');
      await killed(next.child);
    }
  }, 60_000);
});

/** 200 databases replicating at once (one Litestream process): how long until every write is shipped. */
describe('replication of 200 databases', () => {
  it('ships a write to each of 200 databases and prints the lag', async () => {
    const replica = await mkdtemp(join(tmpdir(), 'dbforge-replica-200-'));
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_REPLICA_URL: `file://${replica}` });
    try {
      const names = Array.from({ length: 200 }, (_, i) => `r${i}`);
      for (const name of names) await gateway.http.post(`/admin/databases/spawn/${name}`).expect(201);
      const shipped = async () => {
        const states = await Promise.all(names.map(async (name) => (await gateway.http.get(`/admin/databases/${name}`)).body.replication));
        return states.every((state) => state.position !== null && state.lag_ms === 0);
      };
      await until(shipped, 60_000);
      const wrote = Date.now();
      await Promise.all(names.map((name) => gateway.http.post(`/api/db/${name}/query`).send({ sql: 'CREATE TABLE t (v)' }).expect(200)));
      const written = Date.now() - wrote;
      await new Promise((wait) => setTimeout(wait, 600)); // the gateway notices writes on its next look (every 500 ms)
      await until(shipped, 60_000);
      console.log(`Replication of 200 databases: a write to each (${written} ms), all shipped ${Date.now() - wrote} ms after the first (sync interval 1000 ms).`);
    } finally {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
      await rm(replica, { recursive: true, force: true });
    }
  }, 150_000);
});
