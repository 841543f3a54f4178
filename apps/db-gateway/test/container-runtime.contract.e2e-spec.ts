import type Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '../src/config/load-gateway-config';
import { ContainerRuntime } from '../src/orchestrator/runtime/container-runtime.port';
import { DockerRuntime } from '../src/orchestrator/runtime/docker.runtime';
import { EmbeddedRuntime } from '../src/orchestrator/runtime/embedded.runtime';
import { TEST_WORKER_IMAGE, buildTestWorkerImage, describeWithDocker, dockerClient, removeWorkers, uniqueName } from './support/docker-engine';

interface Fixture {
  runtime: ContainerRuntime;
  /** Makes the database's directory, as spawn does before starting a worker. */
  prepare(database: string): void;
}

/** The behaviour every ContainerRuntime driver owes the orchestrator. */
function containerRuntimeContract(setup: () => Promise<Fixture>, teardown: (databases: string[]) => Promise<void>): void {
  let fixture: Fixture;
  const used: string[] = [];
  const database = (label: string) => {
    const name = uniqueName(label);
    used.push(name);
    fixture.prepare(name);
    return name;
  };

  beforeAll(async () => {
    fixture = await setup();
  }, 120_000);

  afterAll(async () => {
    await teardown(used);
  });

  it('reports a worker that was never started as missing', async () => {
    const name = database('never');
    expect(await fixture.runtime.inspect(name)).toMatchObject({ database: name, state: 'missing' });
  });

  it('starts a worker that then runs', async () => {
    const name = database('start');
    const started = await fixture.runtime.start(name);
    expect(started).toMatchObject({ database: name, state: 'running' });
    expect(await fixture.runtime.inspect(name)).toMatchObject({ id: started.id, state: 'running', startedAt: expect.any(String) });
  });

  it('starts idempotently: a second start reuses the running worker', async () => {
    const name = database('twice');
    const first = await fixture.runtime.start(name);
    const second = await fixture.runtime.start(name);
    expect(second.id).toBe(first.id);
    expect(second.state).toBe('running');
  });

  it('lists the workers it manages, by database', async () => {
    const name = database('listed');
    const started = await fixture.runtime.start(name);
    const listed = (await fixture.runtime.list()).find((worker) => worker.database === name);
    expect(listed).toMatchObject({ database: name, id: started.id, state: 'running' });
  });

  it('removes a worker, and removing it again succeeds', async () => {
    const name = database('removed');
    await fixture.runtime.start(name);
    await fixture.runtime.remove(name);
    expect(await fixture.runtime.inspect(name)).toMatchObject({ state: 'missing' });
    expect((await fixture.runtime.list()).some((worker) => worker.database === name)).toBe(false);
    await expect(fixture.runtime.remove(name)).resolves.toBeUndefined();
  });

  it('starts a removed worker again', async () => {
    const name = database('again');
    await fixture.runtime.start(name);
    await fixture.runtime.remove(name);
    expect(await fixture.runtime.start(name)).toMatchObject({ state: 'running' });
  });

  it('reports itself healthy', async () => {
    expect(await fixture.runtime.health()).toMatchObject({ up: true });
  });
}

describe('ContainerRuntime contract: embedded', () => {
  containerRuntimeContract(
    async () => ({ runtime: new EmbeddedRuntime(), prepare: () => undefined }),
    async () => undefined,
  );
});

describeWithDocker('ContainerRuntime contract: docker', () => {
  let docker: Docker;
  let dataDir: string;
  containerRuntimeContract(
    async () => {
      docker = dockerClient();
      await buildTestWorkerImage(docker);
      dataDir = mkdtempSync(join(tmpdir(), 'dbforge-runtime-'));
      const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dataDir, DBFORGE_WORKER_IMAGE: TEST_WORKER_IMAGE });
      return { runtime: new DockerRuntime(config), prepare: (name) => mkdirSync(join(dataDir, name), { recursive: true }) };
    },
    async (databases) => {
      await removeWorkers(docker, databases);
      rmSync(dataDir, { recursive: true, force: true });
    },
  );
});
