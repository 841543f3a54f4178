#!/usr/bin/env node
// DB-Forge against a minimal node:http + sqlite3 server (bench/baseline-server.js), same requests,
// same run. Servers run pinned to CPU 0, this load generator (autocannon, 16 connections) to CPU 1
// when the machine has two cores. Every workload's answers are checked before it is measured.
// Usage: npm run bench [-- --duration 5 --databases 2000]
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { freePort } = require('./free-port');
const { cpus, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const autocannon = require('autocannon');

const repo = resolve(__dirname, '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((pair) => pair.trim().split(/\s+/)));
const DURATION = Number(args.duration ?? 5);
const DATABASES = Number(args.databases ?? 2000);
const CONNECTIONS = 16;
const ROWS = 10_000;
const pin = cpus().length >= 2 ? ['taskset', '-c', '0'] : [];

async function startServer(label, command, env) {
  const port = await freePort();
  const [program, ...rest] = [...pin, ...command(port)];
  const child = spawn(program, rest, { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/api/db/x/nothing`);
      break;
    } catch {
      if (i > 150) throw new Error(`${label} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { label, base, child, stop: () => new Promise((ok) => { child.once('exit', ok); child.kill('SIGTERM'); }) };
}

const gatewayCommand = () => [process.execPath, join(repo, 'dist/apps/db-gateway/src/main.js')];
const gatewayEnv = (dataDir, extra = {}) => ({
  HOST: '127.0.0.1',
  DBFORGE_DATA_DIR: dataDir,
  DBFORGE_RUNTIME: 'embedded',
  DBFORGE_RATE_LIMIT_PER_SECOND: '0',
  ...extra,
});

async function call(base, method, path, body) {
  const response = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** mulberry32, so both servers get the very same request lists. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(base, db) {
  await call(base, 'POST', `/admin/databases/spawn/${db}`);
  await call(base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' });
  await call(base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE inserts (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' });
  for (let start = 1; start <= ROWS; start += 1000) {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: start + i, name: `item-${start + i}`, qty: (start + i) % 1000 }));
    await call(base, 'POST', `/api/db/${db}/tables/items/rows`, { rows });
  }
}

const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function workloads(db) {
  const next = random(7);
  const ids = Array.from({ length: 2000 }, () => 1 + Math.floor(next() * ROWS));
  const qtys = Array.from({ length: 2000 }, () => Math.floor(next() * 1000));
  const query = (sql, params) => ({ ...json({ sql, params }), path: `/api/db/${db}/query` });
  let serial = 0;
  const name = () => `n${(serial++).toString(36)}`;
  return {
    'point read (/query)': { requests: ids.map((id) => query('SELECT * FROM items WHERE id = ?', [id])) },
    'point read (GET rows)': { requests: ids.map((id) => ({ method: 'GET', path: `/api/db/${db}/tables/items/rows?id=${id}` })) },
    '10-row filter, full scan': { requests: qtys.map((qty) => query('SELECT * FROM items WHERE qty = ?', [qty])) },
    'single-row insert (/query)': { requests: ids.map((id) => query('INSERT INTO inserts (name, qty) VALUES (?, ?)', [name(), id % 1000])) },
    'single-row insert (rows)': { requests: ids.map((id) => ({ ...json({ rows: [{ name: name(), qty: id % 1000 }] }), path: `/api/db/${db}/tables/inserts/rows` })) },
    '1,000-row batch insert': {
      rowsPerRequest: 1000,
      requests: Array.from({ length: 20 }, (_, b) => ({ ...json({ rows: Array.from({ length: 1000 }, (_, i) => ({ name: `b${b}-${i}`, qty: i })) }), path: `/api/db/${db}/tables/inserts/rows` })),
    },
    'mixed 90% read / 10% write': {
      requests: ids.map((id, i) => (i % 10 === 9 ? query('INSERT INTO inserts (name, qty) VALUES (?, ?)', [name(), id % 1000]) : query('SELECT * FROM items WHERE id = ?', [id]))),
    },
  };
}

/** Checks a workload's first requests answer correctly on `base` before it is measured. */
async function verify(base, label, requests) {
  for (const request of requests.slice(0, 3)) {
    const response = await fetch(base + request.path, { method: request.method, headers: request.headers, body: request.body });
    const body = await response.json();
    if (response.status >= 300) throw new Error(`${label}: ${response.status} ${JSON.stringify(body)}`);
    if (label.startsWith('point read') && !(body.data.length === 1 && body.data[0].name === `item-${body.data[0].id}`)) throw new Error(`${label}: wrong answer ${JSON.stringify(body)}`);
    if (label.startsWith('10-row') && !(body.data.length === 10 && body.data.every((row) => row.qty === body.data[0].qty))) throw new Error(`${label}: wrong answer`);
    if (label.includes('insert') && !(body.rows_affected >= 1)) throw new Error(`${label}: wrong answer ${JSON.stringify(body)}`);
  }
}

function run(base, requests, duration) {
  return new Promise((ok, fail) => autocannon({ url: base, connections: CONNECTIONS, duration, requests }, (error, result) => (error ? fail(error) : ok(result))));
}

/** One second of warm-up (JIT, caches, pools), discarded; then the measured run. */
async function measure(base, requests) {
  await run(base, requests, 1);
  return new Promise((ok, fail) => {
    autocannon({ url: base, connections: CONNECTIONS, duration: DURATION, requests }, (error, result) => {
      if (error) return fail(error);
      const bad = result.non2xx + result.errors + result.timeouts;
      if (bad > 0) return fail(new Error(`${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`));
      ok({ rps: result.requests.average, p99: result.latency.p99, total: result.requests.total });
    });
  });
}

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

async function manyDatabases(results) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-many-'));
  const spread = Math.min(1000, DATABASES);
  const setup = await startServer('gateway', gatewayCommand, gatewayEnv(dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(spread) }));
  const started = Date.now();
  const names = Array.from({ length: DATABASES }, (_, i) => `db${i}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map(async (db) => {
        await call(setup.base, 'POST', `/admin/databases/spawn/${db}`);
        await call(setup.base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' });
        await call(setup.base, 'POST', `/api/db/${db}/tables/items/rows`, { rows: Array.from({ length: 10 }, (_, k) => ({ id: k + 1, name: `item-${k + 1}`, qty: k })) });
      }),
    );
  }
  results.many_setup_seconds = (Date.now() - started) / 1000;
  // Memory with `spread` databases open (the cap equals the working set, so all stay open).
  const next = random(11);
  const reads = Array.from({ length: 4000 }, () => {
    const db = names[Math.floor(next() * spread)];
    return { ...json({ sql: 'SELECT * FROM items WHERE id = ?', params: [1 + Math.floor(next() * 10)] }), path: `/api/db/${db}/query` };
  });
  for (const db of names.slice(0, spread)) await call(setup.base, 'POST', `/api/db/${db}/query`, { sql: 'SELECT * FROM items WHERE id = 1' });
  results.rss_open_databases = spread;
  results.rss_bytes = rss(setup.child.pid);
  await setup.stop();
  // Point reads over `spread` databases with the open-database cap below the working set: pools churn.
  const churn = await startServer('gateway', gatewayCommand, gatewayEnv(dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(Math.floor(spread / 4)) }));
  await verify(churn.base, 'point read', reads);
  results.many = await measure(churn.base, reads);
  results.many.open_cap = Math.floor(spread / 4);
  await churn.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

async function main() {
  const results = { measured_at: new Date().toISOString(), machine: `${cpus().length} cores, ${cpus()[0].model}`, node: process.version, duration_s: DURATION, connections: CONNECTIONS, workloads: {} };
  const dirs = [mkdtempSync(join(tmpdir(), 'dbforge-bench-gw-')), mkdtempSync(join(tmpdir(), 'dbforge-bench-base-')), mkdtempSync(join(tmpdir(), 'dbforge-bench-full-'))];
  const gateway = await startServer('gateway', gatewayCommand, gatewayEnv(dirs[0]));
  const baseline = await startServer('baseline', (port) => [process.execPath, join(__dirname, 'baseline-server.js'), String(port), join(dirs[1], 'baseline.db')], {});
  const full = await startServer('gateway FULL', gatewayCommand, gatewayEnv(dirs[2], { DBFORGE_SYNCHRONOUS: 'FULL' }));
  try {
    for (const server of [gateway, baseline, full]) await seed(server.base, 'bench');
    for (const [label, workload] of Object.entries(workloads('bench'))) {
      const row = {};
      for (const server of [gateway, baseline]) {
        await verify(server.base, label, workload.requests);
        row[server.label] = await measure(server.base, workload.requests);
      }
      if (label === 'single-row insert (/query)') {
        await verify(full.base, label, workload.requests);
        results.full_insert = await measure(full.base, workload.requests);
      }
      row.ratio = row.gateway.rps / row.baseline.rps;
      if (workload.rowsPerRequest) row.rows_per_second = { gateway: row.gateway.rps * workload.rowsPerRequest, baseline: row.baseline.rps * workload.rowsPerRequest };
      results.workloads[label] = row;
      console.log(`${label}: gateway ${row.gateway.rps.toFixed(0)} req/s (p99 ${row.gateway.p99} ms), baseline ${row.baseline.rps.toFixed(0)} req/s (p99 ${row.baseline.p99} ms), ratio ${row.ratio.toFixed(2)}`);
    }
  } finally {
    await Promise.all([gateway.stop(), baseline.stop(), full.stop()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  await manyDatabases(results);
  writeResults(results);
}

const V1 = { 'point read (/query)': 634, 'point read (GET rows)': 634, '10-row filter, full scan': 322, 'single-row insert (/query)': 250, 'single-row insert (rows)': 250, 'mixed 90% read / 10% write': 250 };
const TARGETS = {
  'point read (/query)': 0.6,
  'point read (GET rows)': 0.6,
  '10-row filter, full scan': 0.9,
  'single-row insert (/query)': 1.5,
  'single-row insert (rows)': 1.5,
};

function writeResults(results) {
  const w = results.workloads;
  const f0 = (n) => Math.round(n).toLocaleString('en-US');
  const lines = [
    `DB-Forge vs a minimal node:http + sqlite3 server — ${results.machine}, Node ${results.node}, servers on CPU 0, autocannon (${results.connections} connections, ${results.duration_s} s per workload) on CPU 1, ${results.measured_at.slice(0, 10)}`,
    '',
    '| workload | DB-Forge req/s | p99 ms | baseline req/s | p99 ms | ratio | target | vs v1 |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, row] of Object.entries(w)) {
    const target = TARGETS[label];
    const met = target === undefined ? '' : `${row.ratio >= target ? 'met' : 'MISSED'} (≥ ${target}x)`;
    const v1 = V1[label] ? `${(row.gateway.rps / V1[label]).toFixed(0)}x` : '';
    const rowsNote = row.rows_per_second ? ` (${f0(row.rows_per_second.gateway)} rows/s vs ${f0(row.rows_per_second.baseline)})` : '';
    lines.push(`| ${label} | ${f0(row.gateway.rps)}${rowsNote} | ${row.gateway.p99} | ${f0(row.baseline.rps)} | ${row.baseline.p99} | ${row.ratio.toFixed(2)}x | ${met} | ${v1} |`);
  }
  const fullRatio = results.full_insert.rps / w['single-row insert (/query)'].baseline.rps;
  const rowsRatio = w['point read (GET rows)'].gateway.rps / w['point read (/query)'].gateway.rps;
  const manyRatio = results.many.rps / w['point read (/query)'].gateway.rps;
  lines.push(
    '',
    `- synchronous=FULL, single-row insert: ${f0(results.full_insert.rps)} req/s = ${fullRatio.toFixed(2)}x the baseline's NORMAL insert rate (target ≥ 0.8x: ${fullRatio >= 0.8 ? 'met' : 'MISSED'})`,
    `- rows endpoint vs /query, point read: ${rowsRatio.toFixed(2)}x (target: not more than 10% slower, ≥ 0.9x: ${rowsRatio >= 0.9 ? 'met' : 'MISSED'})`,
    `- many databases (${DATABASES} spawned, point reads over ${results.rss_open_databases}, open cap ${results.many.open_cap}): ${f0(results.many.rps)} req/s, p99 ${results.many.p99} ms = ${manyRatio.toFixed(2)}x single-database point reads (target ≥ 0.7x: ${manyRatio >= 0.7 ? 'met' : 'MISSED'})`,
    `- RSS with ${results.rss_open_databases} databases open: ${(results.rss_bytes / 1024 / 1024).toFixed(0)} MB (target ≤ 300 MB: ${results.rss_bytes <= 300 * 1024 * 1024 ? 'met' : 'MISSED'}); setting up ${DATABASES} databases took ${results.many_setup_seconds.toFixed(1)} s`,
  );
  const table = lines.join('\n');
  console.log(`\n${table}`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results/perf.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(__dirname, 'results/perf.md'), table + '\n');
}

// The load generator pins itself to CPU 1 (the servers are on CPU 0) by re-running under taskset.
if (pin.length > 0 && !process.env.DBFORGE_BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, DBFORGE_BENCH_PINNED: '1' } });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
