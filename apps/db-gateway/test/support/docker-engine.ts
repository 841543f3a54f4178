import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const TEST_WORKER_IMAGE = 'dbforge-test-worker:latest';

/** Asks the engine synchronously (describe blocks cannot wait), so a suite can decide whether it runs. */
export function dockerEngineStatus(): { available: boolean; reason: string } {
  if (!existsSync(DOCKER_SOCKET)) return { available: false, reason: `no Docker socket at ${DOCKER_SOCKET}` };
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return { available: false, reason: `docker info failed: ${(result.stderr || String(result.error)).trim()}` };
  return { available: true, reason: `Docker engine ${result.stdout.trim()}` };
}

/**
 * `describe` when `status` says the tool is there. Without it, CI fails loudly (the suite must run
 * there; .ci/run installs what it needs) and a developer machine prints that the suite did not run.
 */
export function describeWhen(status: { available: boolean; reason: string }, name: string, body: () => void): void {
  if (status.available) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('has what it needs in CI', () => {
        throw new Error(`"${name}" must run in CI but ${status.reason}. .ci/run installs and starts it.`);
      });
    });
    return;
  }
  console.warn(`\n*** THE SUITE "${name}" DID NOT RUN: ${status.reason}. See .ci/run for how to provide it. ***\n`);
  describe.skip(name, body);
}

/** `describe` that needs a Docker engine. */
export function describeWithDocker(name: string, body: () => void): void {
  describeWhen(dockerEngineStatus(), name, body);
}

export function dockerClient(socketPath = DOCKER_SOCKET): Docker {
  return new Docker({ socketPath });
}

/** Builds the test worker image: FROM scratch with the static busybox and Litestream (no registry is reachable here). */
export async function buildTestWorkerImage(docker: Docker, { tag = TEST_WORKER_IMAGE, litestream = true } = {}): Promise<void> {
  const context = mkdtempSync(join(tmpdir(), 'dbforge-worker-image-'));
  try {
    copyFileSync('/bin/busybox', join(context, 'busybox'));
    if (litestream) copyFileSync(require.resolve('@flydotio/litestream-linux-x64/litestream'), join(context, 'litestream'));
    const withLitestream = litestream ? 'COPY litestream /bin/litestream\nLABEL dbforge.litestream="0.3.13"\n' : '';
    writeFileSync(join(context, 'Dockerfile'), `FROM scratch\nCOPY busybox /bin/busybox\n${withLitestream}WORKDIR /data\nCMD ["/bin/busybox", "sleep", "infinity"]\n`);
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'busybox', ...(litestream ? ['litestream'] : [])] }, { t: tag });
    const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, result) => (error ? reject(error) : resolve(result as { error?: string }[]))),
    );
    const failure = output.find((line) => line.error);
    if (failure) throw new Error(`Building ${tag} failed: ${failure.error}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** A database name unique to this test process, so parallel suites never share a container name. */
export function uniqueName(label: string): string {
  return `t${process.pid}-${label}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Force-removes the workers of the given databases (test cleanup). */
export async function removeWorkers(docker: Docker, databases: string[]): Promise<void> {
  await Promise.all(
    databases.map((database) =>
      docker
        .getContainer(`db-worker-${database}`)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
