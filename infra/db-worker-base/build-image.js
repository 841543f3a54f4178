#!/usr/bin/env node
// Builds the worker image (DBFORGE_WORKER_IMAGE, default db-worker-base:latest) on the Docker engine
// at DBFORGE_DOCKER_SOCKET: `npm run worker-image`.
//
// First the image of ./Dockerfile (alpine with the sqlite3 shell), which needs a registry to pull
// alpine from. Where none answers (or with --offline), an offline image instead: FROM scratch with a
// static busybox from this machine (Debian: busybox-static), which is all a worker needs to hold its
// database directory. Both have Litestream (the static binary of @flydotio/litestream-linux-x64) at
// /bin/litestream, which replicating workers run. Either way the worker runs as uid 10001 with /data
// as its working directory.
'use strict';
const Docker = require('dockerode');
const { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const image = process.env.DBFORGE_WORKER_IMAGE || 'db-worker-base:latest';
const socketPath = process.env.DBFORGE_DOCKER_SOCKET || '/var/run/docker.sock';
const offlineOnly = process.argv.includes('--offline');
const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

const OFFLINE_DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY litestream /bin/litestream
LABEL dbforge.litestream="0.3.13"
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

/** The Litestream binary of the optional @flydotio/litestream-linux-x64 package (absent on other platforms). */
function litestreamBinary() {
  try {
    return require.resolve('@flydotio/litestream-linux-x64/litestream');
  } catch {
    return undefined;
  }
}

/**
 * Builds `dockerfile` in a context of its own with Litestream and `files` (name → path on this
 * machine). Without the binary, the image has no Litestream (and no label saying it has), and a
 * replicating gateway says so.
 */
async function buildWith(docker, dockerfile, files = {}) {
  const context = mkdtempSync(join(tmpdir(), 'dbforge-worker-image-'));
  try {
    const litestream = litestreamBinary();
    if (litestream) files = { ...files, litestream };
    else {
      dockerfile = dockerfile.split('\n').filter((line) => !/litestream/i.test(line) || line.startsWith('#')).join('\n');
      console.log('No Litestream binary (@flydotio/litestream-linux-x64 is linux-x64 only): the image cannot replicate.');
    }
    for (const [name, path] of Object.entries(files)) copyFileSync(path, join(context, name));
    writeFileSync(join(context, 'Dockerfile'), dockerfile);
    await build(docker, context, ['Dockerfile', ...Object.keys(files)]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

async function buildOffline(docker) {
  const busybox = BUSYBOX_CANDIDATES.find((path) => existsSync(path));
  if (!busybox) throw new Error(`no static busybox at ${BUSYBOX_CANDIDATES.join(' or ')} (Debian: apt-get install busybox-static)`);
  await buildWith(docker, OFFLINE_DOCKERFILE, { busybox });
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
      await buildWith(docker, readFileSync(join(__dirname, 'Dockerfile'), 'utf8'));
      console.log(`Built ${image} from infra/db-worker-base/Dockerfile (alpine + sqlite3 + Litestream).`);
      return;
    } catch (error) {
      console.log(`The alpine image could not be built (${error.message.split('\n')[0]}); building the offline image instead.`);
    }
  }
  await buildOffline(docker);
  console.log(`Built ${image} offline: FROM scratch with a static busybox and Litestream.`);
}

main().catch((error) => {
  console.error(`Could not build the worker image ${image}: ${error.message}`);
  process.exit(1);
});
