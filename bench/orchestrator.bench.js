#!/usr/bin/env node
// Spawn and prune latency through the gateway's API next to raw dockerode create+start and
// stop+remove of the very same container on the same engine, in the same run; then the time to
// spawn 100 databases. Needs a Docker engine and a built gateway (`npm run build`).
// Usage: npm run bench:orchestrator [-- --rounds 20 --many 100]
'use strict';
const { spawn } = require('node:child_process');
const { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { freePort } = require('./free-port');
const { tmpdir, cpus } = require('node:os');
const { join, resolve } = require('node:path');
const Docker = require('dockerode');

const repo = resolve(__dirname, '..');
const { loadGatewayConfig } = require(join(repo, 'dist/apps/db-gateway/src/config/load-gateway-config'));
const { workerCreateOptions, STOP_SECONDS } = require(join(repo, 'dist/apps/db-gateway/src/orchestrator/runtime/docker.runtime'));

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((pair) => pair.trim().split(/\s+/)));
const ROUNDS = Number(args.rounds ?? 20);
const MANY = Number(args.many ?? 100);
const IMAGE = 'dbforge-bench-worker:latest';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

async function buildImage() {
  const context = mkdtempSync(join(tmpdir(), 'dbforge-bench-image-'));
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nWORKDIR /data\nCMD ["/bin/busybox", "sleep", "infinity"]\n');
  const stream = await docker.buildImage({ context, src: ['Dockerfile', 'busybox'] }, { t: IMAGE });
  await new Promise((ok, fail) => docker.modem.followProgress(stream, (error) => (error ? fail(error) : ok())));
  rmSync(context, { recursive: true, force: true });
}

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

async function post(base, path) {
  const response = await fetch(base + path, { method: 'POST' });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main() {
  await docker.ping();
  await buildImage();
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-'));
  const port = await freePort();
  const env = { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'docker', DBFORGE_WORKER_IMAGE: IMAGE };
  const config = loadGatewayConfig(env);
  const gateway = spawn(process.execPath, [join(repo, 'dist/apps/db-gateway/src/main.js')], { env, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(`${base}/health/live`); break; } catch { if (i > 100) throw new Error('gateway did not start'); await new Promise((r) => setTimeout(r, 100)); }
  }
  const run = `b${process.pid}`;
  const samples = { rawCreateStart: [], rawStopRemove: [], apiSpawn: [], apiPrune: [] };
  try {
    // Interleaved, so both see the same engine state.
    for (let round = 0; round < ROUNDS + 2; round++) {
      const rawName = `${run}-raw-${round}`;
      mkdirSync(join(dataDir, rawName));
      let start = process.hrtime.bigint();
      const container = await docker.createContainer(workerCreateOptions(config, rawName));
      await container.start();
      const rawUp = ms(start);
      start = process.hrtime.bigint();
      await container.stop({ t: STOP_SECONDS });
      await container.remove({ force: true });
      const rawDown = ms(start);

      const apiName = `${run}-api-${round}`;
      start = process.hrtime.bigint();
      await post(base, `/admin/databases/spawn/${apiName}`);
      const apiUp = ms(start);
      start = process.hrtime.bigint();
      await post(base, `/admin/databases/prune/${apiName}`);
      const apiDown = ms(start);
      if (round >= 2) { // the first two rounds warm up both paths
        samples.rawCreateStart.push(rawUp); samples.rawStopRemove.push(rawDown);
        samples.apiSpawn.push(apiUp); samples.apiPrune.push(apiDown);
      }
    }
    const many = [];
    const manyStart = process.hrtime.bigint();
    for (let i = 0; i < MANY; i++) many.push(post(base, `/admin/databases/spawn/${run}-many-${i}`));
    await Promise.all(many);
    const manyMs = ms(manyStart);
    const sequentialStart = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) await post(base, `/admin/databases/spawn/${run}-seq-${i}`);
    const sequentialMs = ms(sequentialStart);

    const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
    const result = {
      measured_at: new Date().toISOString(),
      machine: `${cpus().length} cores, ${cpus()[0].model}`,
      engine: (await docker.version()).Version,
      rounds: ROUNDS,
      spawn: { api: s.apiSpawn, raw_create_start: s.rawCreateStart, overhead: s.apiSpawn.median / s.rawCreateStart.median - 1 },
      prune: { api: s.apiPrune, raw_stop_remove: s.rawStopRemove, overhead: s.apiPrune.median / s.rawStopRemove.median - 1 },
      spawn_many: { databases: MANY, concurrent_total_ms: manyMs, per_database_ms: manyMs / MANY },
      spawn_sequential_10_ms: sequentialMs,
    };
    const f = (n) => n.toFixed(1);
    const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
    const table = [
      `Orchestrator benchmark, ${result.machine}, Docker ${result.engine}, ${ROUNDS} rounds (medians; p95 in brackets)`,
      '',
      '| operation | through the API (ms) | raw dockerode (ms) | API overhead |',
      '|---|---|---|---|',
      `| spawn vs create+start | ${f(s.apiSpawn.median)} (${f(s.apiSpawn.p95)}) | ${f(s.rawCreateStart.median)} (${f(s.rawCreateStart.p95)}) | ${pct(result.spawn.overhead)} |`,
      `| prune vs stop+remove | ${f(s.apiPrune.median)} (${f(s.apiPrune.p95)}) | ${f(s.rawStopRemove.median)} (${f(s.rawStopRemove.p95)}) | ${pct(result.prune.overhead)} |`,
      '',
      `${MANY} databases spawned concurrently through the API: ${(manyMs / 1000).toFixed(2)} s (${f(manyMs / MANY)} ms each); 10 sequential spawns: ${f(sequentialMs)} ms`,
    ].join('\n');
    console.log(table);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results/orchestrator.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(__dirname, 'results/orchestrator.md'), table + '\n');
  } finally {
    gateway.kill('SIGTERM');
    const leftovers = await docker.listContainers({ all: true, filters: { label: ['dbforge.managed=true'] } });
    await Promise.all(leftovers.filter((c) => (c.Labels['dbforge.database'] || '').startsWith(run)).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
