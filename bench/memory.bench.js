#!/usr/bin/env node
// Memory of many open databases: starts the compiled gateway, spawns N databases through the API
// (a table `items`, 10 rows each), reads once from each of the first --open (default min(N, 1000),
// which is also DBFORGE_MAX_OPEN_DATABASES) and prints the gateway's VmRSS: idle, after the set-up,
// after the reads, and once more after the pools have been idle for --settle seconds; with the
// heap, open file descriptors and open pools from /metrics.
// With --throughput it then measures point reads (16 connections, autocannon) in a fresh gateway:
// on one database, and spread over all N with DBFORGE_MAX_OPEN_DATABASES=--cap (pools churn).
// The gateway runs on CPU 0 and the load generator on CPU 1 when the machine has two cores.
// GATEWAY_X=v in its environment is passed to the gateway as X=v (e.g. GATEWAY_MALLOC_ARENA_MAX=2).
// Usage: node bench/memory.bench.js [--databases 1000] [--open 1000] [--settle 10] [--throughput]
//        [--cap 1000] [--duration 5] [--repeat 1] [--gateway dist/apps/db-gateway/src/main.js]
'use strict';
const { seededRandom } = require('./seeded-random');
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { cpus, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const repo = resolve(__dirname, '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((pair) => pair.trim().split(/\s+/))
    .map(([key, value]) => [key, value ?? 'true']),
);
const DATABASES = Number(args.databases ?? 1000);
const OPEN = Number(args.open ?? Math.min(DATABASES, 1000));
const SETTLE_S = Number(args.settle ?? 10);
const THROUGHPUT = args.throughput === 'true';
const CAP = Number(args.cap ?? 1000);
const DURATION = Number(args.duration ?? 5);
const REPEAT = Number(args.repeat ?? 1);
const GATEWAY = resolve(repo, args.gateway ?? 'dist/apps/db-gateway/src/main.js');
const CONNECTIONS = 16;
const pin = cpus().length >= 2;

/** A free port in 19000-19400 on 127.0.0.1 (the range benchmarks on this machine may use). */
async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 19000 + Math.floor(Math.random() * 401);
    const free = await new Promise((ok) => {
      const server = createServer()
        .once('error', () => ok(false))
        .listen(port, '127.0.0.1', () => server.close(() => ok(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 19000-19400');
}

/** GATEWAY_X=v in this script's environment is X=v in the gateway's (GATEWAY_NODE_OPTIONS, GATEWAY_MALLOC_ARENA_MAX...). */
const passedThrough = Object.fromEntries(
  Object.entries(process.env)
    .filter(([key]) => key.startsWith('GATEWAY_'))
    .map(([key, value]) => [key.slice('GATEWAY_'.length), value]),
);

async function startGateway(dataDir, extraEnv = {}) {
  const port = await freePort();
  const command = [...(pin ? ['taskset', '-c', '0'] : []), process.execPath, GATEWAY];
  const child = spawn(command[0], command.slice(1), {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      DBFORGE_DATA_DIR: dataDir,
      DBFORGE_RUNTIME: 'embedded',
      DBFORGE_LOG_LEVEL: 'warn',
      DBFORGE_RATE_LIMIT_PER_SECOND: '0',
      ...passedThrough,
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health/live`)).ok) break;
    } catch {
      if (i > 150 || child.exitCode !== null) throw new Error('gateway did not start');
    }
    await sleep(100);
  }
  return { base, pid: child.pid, stop: () => new Promise((ok) => (child.exitCode !== null ? ok() : (child.once('exit', ok), child.kill('SIGTERM')))) };
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

async function call(base, method, path, body) {
  const response = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** Heap, file descriptors and open pools, from the gateway's Prometheus metrics. */
async function figures(gateway) {
  const text = await (await fetch(`${gateway.base}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: rssOf(gateway.pid),
    heapUsed: metric('dbforge_nodejs_heap_size_used_bytes'),
    heapTotal: metric('dbforge_nodejs_heap_size_total_bytes'),
    fds: metric('dbforge_process_open_fds'),
    pools: metric('dbforge_open_pools'),
  };
}

const describe = (label, f) =>
  console.log(`${label.padEnd(34)} RSS ${mb(f.rss).padStart(4)} MB   JS heap ${mb(f.heapUsed).padStart(3)} MB used of ${mb(f.heapTotal).padStart(3)} MB   open fds ${String(f.fds).padStart(5)}   open pools ${f.pools}`);

const names = Array.from({ length: DATABASES }, (_, i) => `db${i}`);

async function setUp(base) {
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map(async (db) => {
        await call(base, 'POST', `/admin/databases/spawn/${db}`);
        await call(base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' });
        await call(base, 'POST', `/api/db/${db}/tables/items/rows`, { rows: Array.from({ length: 10 }, (_, k) => ({ id: k + 1, name: `item-${k + 1}`, qty: k })) });
      }),
    );
  }
}

async function readEach(base) {
  for (let i = 0; i < OPEN; i += 50) {
    await Promise.all(
      names.slice(i, Math.min(i + 50, OPEN)).map(async (db) => {
        const { data } = await call(base, 'POST', `/api/db/${db}/query`, { sql: 'SELECT * FROM items WHERE id = ?', params: [1] });
        if (data.length !== 1 || data[0].name !== 'item-1') throw new Error(`${db}: wrong answer ${JSON.stringify(data)}`);
      }),
    );
  }
}

/** autocannon in a child process pinned to CPU 1, so it does not take the gateway's core. */
function load(base, requests, duration) {
  const script = `
    const autocannon = require('autocannon');
    const requests = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    autocannon({ url: ${JSON.stringify(base)}, connections: ${CONNECTIONS}, duration: ${duration}, requests }, (error, result) => {
      if (error) { console.error(error); process.exit(1); }
      process.stdout.write(JSON.stringify({ rps: result.requests.average, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts }));
    });`;
  const command = [...(pin ? ['taskset', '-c', '1'] : []), process.execPath, '-e', script];
  return new Promise((ok, fail) => {
    const child = spawn(command[0], command.slice(1), { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`autocannon exited with ${code}`))));
    child.stdin.end(JSON.stringify(requests));
  });
}

async function measure(label, gateway, requests) {
  await load(gateway.base, requests, 3); // warm-up (JIT, pools, caches)
  for (let run = 0; run < REPEAT; run++) {
    const result = await load(gateway.base, requests, DURATION);
    if (result.bad > 0) throw new Error(`${label}: ${result.bad} failed requests`);
    console.log(`${label.padEnd(34)} ${Math.round(result.rps).toLocaleString('en-US').padStart(7)} req/s   p99 ${String(result.p99).padStart(3)} ms   RSS ${mb(rssOf(gateway.pid))} MB`);
  }
}

const random = seededRandom;

const pointRead = (db, id) => ({ method: 'POST', path: `/api/db/${db}/query`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT * FROM items WHERE id = ?', params: [id] }) });

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-memory-'));
  let gateway;
  try {
    console.log(`${DATABASES} databases, ${OPEN} read, gateway ${GATEWAY}`);
    gateway = await startGateway(dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(Math.max(OPEN, 1)) });
    await sleep(1000);
    describe('idle gateway', await figures(gateway));
    const started = Date.now();
    await setUp(gateway.base);
    describe(`after set-up of ${DATABASES} (${((Date.now() - started) / 1000).toFixed(1)} s)`, await figures(gateway));
    await readEach(gateway.base);
    describe(`${OPEN} databases read once`, await figures(gateway));
    if (SETTLE_S > 0) {
      await sleep(SETTLE_S * 1000);
      describe(`... after ${SETTLE_S} s idle`, await figures(gateway));
    }
    await gateway.stop();
    gateway = undefined;

    if (THROUGHPUT) {
      const next = random(7);
      const single = Array.from({ length: 2000 }, () => pointRead('db0', 1 + Math.floor(next() * 10)));
      const spread = Array.from({ length: 4000 }, () => pointRead(names[Math.floor(next() * DATABASES)], 1 + Math.floor(next() * 10)));
      gateway = await startGateway(dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(CAP) });
      await measure('point reads, one database', gateway, single);
      await measure(`point reads over ${DATABASES}, cap ${CAP}`, gateway, spread);
      describe('after the spread reads', await figures(gateway));
    }
  } finally {
    await gateway?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
