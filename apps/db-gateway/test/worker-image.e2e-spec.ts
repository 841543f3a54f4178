import type Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describeWithDocker, dockerClient, removeWorkers, uniqueName } from './support/docker-engine';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const REPO = resolve(__dirname, '../../..');

/** `npm run worker-image` as a user runs it, for the image `image`. */
function buildWorkerImage(image: string): { status: number | null; output: string } {
  const result = spawnSync('npm', ['run', '-s', 'worker-image'], { cwd: REPO, env: { ...process.env, DBFORGE_WORKER_IMAGE: image }, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describeWithDocker('the worker image on a first run (real engine)', () => {
  const image = `dbforge-e2e-worker-${process.pid}:latest`;
  let docker: Docker;
  const used: string[] = [];
  const gateways: TestGateway[] = [];
  const start = async (workerImage: string) => {
    const gateway = await startGateway(await makeDataDir(), { DBFORGE_RUNTIME: 'docker', DBFORGE_WORKER_IMAGE: workerImage });
    gateways.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    docker = dockerClient();
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });

  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.close();
      await removeDataDir(gateway.dataDir);
    }
    await removeWorkers(docker, used);
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  });

  it('without the image: readiness is not ready and names it, and a spawn says how to build it', async () => {
    const gateway = await start(image);
    const ready = await gateway.http.get('/health/ready').expect(503);
    expect(ready.body.details.runtime).toEqual({ status: 'down', detail: expect.stringContaining(`has no worker image ${image}: build it with \`npm run worker-image\``) });
    const database = uniqueName('noimage');
    used.push(database);
    const refused = expectError((await gateway.http.post(`/admin/databases/spawn/${database}`).expect(502)).body, 502, 'RUNTIME_FAILURE');
    expect(refused.detail).toContain(`No such image: ${image}. The worker image is missing: build it with \`npm run worker-image\``);
    expect((await gateway.http.get('/admin/databases').expect(200)).body).toEqual([]);
  });

  it('`npm run worker-image` builds it (offline where no registry answers), and the gateway is ready and spawns workers from it', async () => {
    const built = buildWorkerImage(image);
    expect(built).toMatchObject({ status: 0 });
    expect(built.output).toMatch(new RegExp(`Built ${image.replace(/[.:]/g, '\\$&')} (from infra/db-worker-base/Dockerfile|offline)`));
    const info = await docker.getImage(image).inspect();
    expect(info.Config.User).toBe('10001:10001');
    expect(info.Config.Labels).toEqual(expect.objectContaining({ 'dbforge.litestream': '0.3.13' })); // replicating workers run /bin/litestream

    const gateway = await start(image);
    const ready = await gateway.http.get('/health/ready').expect(200);
    expect(ready.body.details.runtime).toEqual({ status: 'up', detail: expect.stringContaining('docker: docker engine at') });
    const database = uniqueName('image');
    used.push(database);
    await gateway.http.post(`/admin/databases/spawn/${database}`).expect(201);
    const worker = await docker.getContainer(`db-worker-${database}`).inspect();
    expect(worker.Config.Image).toBe(image);
    expect(worker.State.Status).toBe('running');
    await gateway.http.post(`/api/db/${database}/query`).send({ sql: 'SELECT 1 AS one' }).expect(200, { data: [{ one: 1 }], rows_affected: 1 });
  }, 180_000);
});
