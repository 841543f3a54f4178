#!/usr/bin/env node
// Builds the worker image (DBFORGE_WORKER_IMAGE, default db-worker-base:latest) on the Docker engine
// at DBFORGE_DOCKER_SOCKET: `npm run worker-image`.
//
// First the image of ./Dockerfile (alpine with the sqlite3 shell), which needs a registry to pull
// alpine from. Where none answers (or with --offline), an offline image instead: FROM scratch with a
// static busybox from this machine (Debian: busybox-static), which is all a worker needs to hold its
// database directory. Either way the worker runs as uid 10001 with /data as its working directory.
'use strict';
const Docker = require('dockerode');
const { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const image = process.env.DBFORGE_WORKER_IMAGE || 'db-worker-base:latest';
const socketPath = process.env.DBFORGE_DOCKER_SOCKET || '/var/run/docker.sock';
const offlineOnly = process.argv.includes('--offline');
const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

const OFFLINE_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
USER 10001:10001
WORKDIR /data
CMD ["/bin/busybox", "sleep", "infinity"]
`;

async function build(docker, context, files) {
  const stream = await docker.buildImage({ context, src: files }, { t: image, labels: { 'dbforge.worker-image': 'true' } });
  const output = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error, result) => (error ? reject(error) : resolve(result))));
  const failure = output.find((line) => line.error);
  if (failure) throw new Error(failure.error.trim());
}

async function buildOffline(docker) {
  const busybox = BUSYBOX_CANDIDATES.find((path) => existsSync(path));
  if (!busybox) throw new Error(`no static busybox at ${BUSYBOX_CANDIDATES.join(' or ')} (Debian: apt-get install busybox-static)`);
  const context = mkdtempSync(join(tmpdir(), 'dbforge-worker-image-'));
  try {
    copyFileSync(busybox, join(context, 'busybox'));
    writeFileSync(join(context, 'Dockerfile'), OFFLINE_DOCKERFILE);
    await build(docker, context, ['Dockerfile', 'busybox']);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function main() {
  const docker = new Docker({ socketPath });
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(`no Docker engine answers at ${socketPath} (${error.code || error.message}); start one, or set DBFORGE_DOCKER_SOCKET`);
  }
  if (!offlineOnly) {
    try {
      await build(docker, __dirname, ['Dockerfile']);
      console.log(`Built ${image} from infra/db-worker-base/Dockerfile (alpine + sqlite3).`);
      return;
    } catch (error) {
      console.log(`The alpine image could not be built (${error.message.split('\n')[0]}); building the offline image instead.`);
    }
  }
  await buildOffline(docker);
  console.log(`Built ${image} offline: FROM scratch with a static busybox.`);
}

main().catch((error) => {
  console.error(`Could not build the worker image ${image}: ${error.message}`);
  process.exit(1);
});
