#!/usr/bin/env node
// DB-Forge as users run it, against three references started in the same run with the same request
// lists: the node:http server (bench/baseline-server.js), the Nest floor (bench/nest-floor-server.js: a
// minimal NestJS 11 app on the same SQLite access code) and Soul (soul-cli@0.8.2, installed into a
// scratch folder). Servers run pinned to CPU 0, this load generator (autocannon, 16 connections) to
// CPU 1 when the machine has two cores. Every workload's answers are checked before it is measured.
// The same run measures many databases (memory with 1,000 open, point reads over all of them) and the
// /query NDJSON stream of a million rows (bench/stream.bench.js).
// Usage: npm run bench [-- --duration 5 --databases 10000 --lean --keep-logs]
'use strict';
const { seededRandom } = require('./seeded-random');
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { freePort } = require('./free-port');
const { cpus, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const autocannon = require('autocannon');
const { ensureSoul, seedSoulDatabase, soulCommand } = require('./soul');
const { measureQueryStream } = require('./stream.bench');

const repo = resolve(__dirname, '..');

/** `--name value` pairs and bare `--flag`s. */
function parseArgs(argv) {
  const parsed = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    if (match[2] !== undefined) parsed[match[1]] = match[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) parsed[match[1]] = argv[++i];
    else parsed[match[1]] = true;
  }
  return parsed;
}
const args = parseArgs(process.argv.slice(2));
const DURATION = Number(args.duration ?? 5);
const DATABASES = Number(args.databases ?? 10_000);
const LEAN = Boolean(args.lean);
const KEEP_LOGS = Boolean(args['keep-logs']);
const CONNECTIONS = 16;
const ROWS = 10_000;
const CLIENT_KEYS = 8;
const STREAM_ROWS = Number(args['stream-rows'] ?? 1_000_000);
const pin = cpus().length >= 2 ? ['taskset', '-c', '0'] : [];

// ---------------------------------------------------------------------------------------------------
// Servers

const running = new Set();
let logDir;

/** Starts a server pinned to CPU 0, its stdout (and stderr with `quiet`) to `<logDir>/<label>.log`. */
async function startServer(label, command, env, { probe = '/api/db/x/nothing', quiet = false } = {}) {
  const port = await freePort();
  const [program, ...rest] = [...pin, ...command(port)];
  const logFile = join(logDir, `${label.replace(/[^\w.-]+/g, '-')}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(program, rest, { env: { PATH: process.env.PATH, ...env, PORT: String(port) }, stdio: ['ignore', out, quiet ? out : 'inherit'] });
  closeSync(out);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      child.once('exit', ok);
      child.kill('SIGTERM');
    });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${label} exited with code ${child.exitCode} while starting (log: ${logFile})`);
    try {
      await fetch(base + probe);
      break;
    } catch {
      if (i > 300) {
        await stop();
        throw new Error(`${label} did not start in 30 s (log: ${logFile})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { label, base, child, logFile, stop };
}

const gatewayCommand = () => [process.execPath, join(repo, 'dist/apps/db-gateway/src/main.js')];

/**
 * The gateway as users run it: an admin key, request logs at the default level (info) to a file,
 * metrics on, the default rate limit (1,000 req/s per key, burst 2,000). Nothing of it is turned off.
 */
function userGatewayEnv(dataDir, extra = {}) {
  const adminKey = `bench-admin-${randomBytes(24).toString('hex')}`;
  return { adminKey, env: { HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_ADMIN_KEY: adminKey, ...extra } };
}

/** `--lean`: auth off, logs at warn, no rate limit. Shown beside the users' configuration, never instead. */
const leanGatewayEnv = (dataDir) => ({ HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_LOG_LEVEL: 'warn', DBFORGE_RATE_LIMIT_PER_SECOND: '0' });

async function startGateway(label, dataDir, extraEnv) {
  const { adminKey, env } = userGatewayEnv(dataDir, extraEnv);
  const server = await startServer(label, gatewayCommand, env, { probe: '/health/live' });
  return { ...server, adminKey };
}

const bearer = (key) => (key ? { authorization: `Bearer ${key}` } : {});

/** One API call for setting up; waits out 429 (the rate limit applies to the admin key too). */
async function call(base, method, path, body, { key, contentType = 'application/json' } = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(base + path, {
      method,
      headers: { 'Content-Type': contentType, ...bearer(key) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 429 && attempt < 30) {
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('retry-after') || 1)));
      continue;
    }
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  }
}

/** Mints `count` read-write keys on `db` with the admin key (CreateApiKeyRequestDto: scope, name). */
async function mintKeys(server, db, count) {
  const keys = [];
  for (let i = 0; i < count; i++) keys.push((await call(server.base, 'POST', `/admin/databases/${db}/keys`, { scope: 'read-write', name: `bench-client-${i + 1}` }, { key: server.adminKey })).key);
  return keys;
}

const random = seededRandom;

/** Seeds a gateway or a reference through its API (the admin key when it has one). */
async function seed(server, db) {
  const key = server.adminKey;
  await call(server.base, 'POST', `/admin/databases/spawn/${db}`, undefined, { key });
  await call(server.base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' }, { key });
  await call(server.base, 'POST', `/api/db/${db}/query`, { sql: 'CREATE TABLE inserts (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)' }, { key });
  for (let start = 1; start <= ROWS; start += 1000) {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: start + i, name: `item-${start + i}`, qty: (start + i) % 1000 }));
    await call(server.base, 'POST', `/api/db/${db}/tables/items/rows`, { rows }, { key });
  }
}

// ---------------------------------------------------------------------------------------------------
// Workloads: one seeded list of operations each, rendered for DB-Forge's API (the gateway, node:http,
// the Nest floor) and for Soul's.

function plan() {
  const next = random(7);
  const ids = Array.from({ length: 2000 }, () => 1 + Math.floor(next() * ROWS));
  const qtys = Array.from({ length: 2000 }, () => Math.floor(next() * 1000));
  let serial = 0;
  const insert = (id) => ({ kind: 'insert', name: `n${(serial++).toString(36)}`, qty: id % 1000 });
  return {
    'point read (/query)': { style: 'query', soul: 'point read', ops: ids.map((id) => ({ kind: 'point', id })) },
    'point read (GET rows)': { style: 'rows', soul: 'point read', ops: ids.map((id) => ({ kind: 'point', id })) },
    '10-row filter, full scan': { style: 'query', soul: 'filter', ops: qtys.map((qty) => ({ kind: 'filter', qty })) },
    'single-row insert (/query)': { style: 'query', soul: 'insert', ops: ids.map(insert) },
    'single-row insert (rows)': { style: 'rows', soul: 'insert', ops: ids.map(insert) },
    '1,000-row batch insert': {
      style: 'rows',
      rowsPerRequest: 1000,
      ops: Array.from({ length: 20 }, (_, b) => ({ kind: 'batch', rows: Array.from({ length: 1000 }, (_, i) => ({ name: `b${b}-${i}`, qty: i })) })),
    },
    'mixed 90% read / 10% write': { style: 'query', soul: 'mixed', ops: ids.map((id, i) => (i % 10 === 9 ? insert(id) : { kind: 'point', id })) },
  };
}

const jsonRequest = (method, path, body) => ({ method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** An operation as a request to DB-Forge's API on database `db`, by /query or by the rows endpoints. */
function dbforgeRequest(op, style, db) {
  const query = (sql, params) => jsonRequest('POST', `/api/db/${db}/query`, { sql, params });
  const rows = `/api/db/${db}/tables`;
  if (op.kind === 'point') return style === 'query' ? query('SELECT * FROM items WHERE id = ?', [op.id]) : { method: 'GET', path: `${rows}/items/rows?id=${op.id}` };
  if (op.kind === 'filter') return query('SELECT * FROM items WHERE qty = ?', [op.qty]);
  if (op.kind === 'insert') return style === 'query' ? query('INSERT INTO inserts (name, qty) VALUES (?, ?)', [op.name, op.qty]) : jsonRequest('POST', `${rows}/inserts/rows`, { rows: [{ name: op.name, qty: op.qty }] });
  return jsonRequest('POST', `${rows}/inserts/rows`, { rows: op.rows });
}

/** The same operation as a request to Soul (no raw SQL there; one row per insert; its default page, 10 rows, holds a filter's 10 matches). */
function soulRequest(op) {
  if (op.kind === 'point') return { method: 'GET', path: `/api/tables/items/rows/${op.id}` };
  if (op.kind === 'filter') return { method: 'GET', path: `/api/tables/items/rows?_filters=qty:${op.qty}` };
  if (op.kind === 'insert') return jsonRequest('POST', '/api/tables/inserts/rows', { fields: { name: op.name, qty: op.qty } });
  return undefined;
}

/** Request i carries client key i mod 8, as 8 clients sharing the load would. */
const withKeys = (requests, keys) => (keys?.length ? requests.map((request, i) => ({ ...request, headers: { ...request.headers, ...bearer(keys[i % keys.length]) } })) : requests);

/** Checks a workload's first requests answer correctly on `base` before it is measured (DB-Forge's shapes and Soul's). */
async function verify(base, label, requests) {
  for (const request of requests.slice(0, 3)) {
    const response = await fetch(base + request.path, { method: request.method, headers: request.headers, body: request.body });
    const text = await response.text();
    const wrong = (why) => new Error(`${label} on ${base}${request.path}: ${why}: ${response.status} ${text.slice(0, 300)}`);
    if (response.status >= 300) throw wrong('failed');
    const body = JSON.parse(text);
    if (/libSQL/.test(label)) {
      const rows = body.results?.[0]?.response?.result?.rows;
      if (!(Array.isArray(rows) && rows.length === 1 && rows[0][1]?.value === `item-${rows[0][0]?.value}`)) throw wrong('wrong row');
      continue;
    }
    const read = request.method === 'GET' || /"sql":"\s*SELECT/i.test(request.body ?? '');
    if (read) {
      if (!Array.isArray(body.data)) throw wrong('no rows');
      if (/filter/.test(label)) {
        if (!(body.data.length === 10 && body.data.every((row) => row.qty === body.data[0].qty))) throw wrong(`expected the 10 rows of one qty, got ${body.data.length}`);
        if (body.total !== undefined && body.total !== 10) throw wrong(`Soul counted ${body.total} matches, not 10`);
      } else if (!(body.data.length === 1 && body.data[0].name === `item-${body.data[0].id}`)) throw wrong('wrong row');
    } else if (!(body.rows_affected >= 1 || body.data?.changes === 1)) throw wrong('nothing inserted');
  }
}

function run(base, requests, duration) {
  let client = 0;
  // Each connection starts at its own place in the list, so 16 connections do not send the same
  // request in lockstep (which would, e.g., hit one database 16 times in a row).
  const setupClient = (c) => {
    const offset = Math.floor((client++ * requests.length) / CONNECTIONS);
    if (offset > 0) c.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
  };
  return new Promise((ok, fail) => autocannon({ url: base, connections: CONNECTIONS, duration, requests, setupClient }, (error, result) => (error ? fail(error) : ok(result))));
}

/** One second of warm-up (JIT, caches, pools), discarded; then the measured run. Any non-2xx fails it. */
async function measure(server, requests, label) {
  await run(server.base, requests, 1);
  const result = await run(server.base, requests, DURATION);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    const limited = result.statusCodeStats?.['429']?.count ?? 0;
    const why = limited ? `; ${limited} were 429 (rate limited: more than ${CLIENT_KEYS} keys x the per-key limit)` : '';
    throw new Error(`${server.label}, ${label}: ${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})${why}`);
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
}

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** Runs `task` over `items` with `width` at a time; the first failure stops them all. */
async function inParallel(items, width, task) {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length && !failed) {
        const i = next++;
        try {
          await task(items[i], i);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// Many databases

async function manyDatabases(results) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-many-'));
  const rssCount = Math.min(1000, DATABASES);
  // 10,000 databases with at most 1,000 open: a tenth. Smaller runs keep that proportion.
  const cap = Math.min(1000, Math.ceil(DATABASES / 10));
  const names = Array.from({ length: DATABASES }, (_, i) => `db${i}`);
  const keys = new Map();
  // Each database in two admin requests: spawn from an SQL dump (table and rows in one request), mint its key.
  const dump = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);\n${Array.from({ length: 10 }, (_, k) => `INSERT INTO items VALUES (${k + 1}, 'item-${k + 1}', ${k});`).join('\n')}\n`;
  const WIDTH = 32;
  try {
    const setup = await startGateway('gateway-many-setup', dataDir);
    const started = Date.now();
    let done = 0;
    try {
      await inParallel(names, WIDTH, async (db) => {
        await call(setup.base, 'POST', `/admin/databases/spawn/${db}`, dump, { key: setup.adminKey, contentType: 'application/sql' });
        keys.set(db, (await call(setup.base, 'POST', `/admin/databases/${db}/keys`, { scope: 'read-write', name: 'bench-many' }, { key: setup.adminKey })).key);
        if (++done % 1000 === 0 && done < names.length) console.log(`  many databases: ${done.toLocaleString('en-US')} of ${names.length.toLocaleString('en-US')} set up (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      });
    } finally {
      await setup.stop();
    }
    results.many_setup_seconds = (Date.now() - started) / 1000;
    results.many_setup = `spawn from an SQL dump + mint a key, ${WIDTH} databases at a time`;
    console.log(`many databases: ${DATABASES.toLocaleString('en-US')} set up in ${results.many_setup_seconds.toFixed(1)} s (${results.many_setup})`);

    // Memory with `rssCount` databases open: a fresh gateway, one read on each.
    const memory = await startGateway('gateway-many-rss', dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(rssCount) });
    try {
      await inParallel(names.slice(0, rssCount), CONNECTIONS, async (db) => {
        const body = await call(memory.base, 'POST', `/api/db/${db}/query`, { sql: 'SELECT * FROM items WHERE id = 1' }, { key: keys.get(db) });
        if (body.data?.[0]?.name !== 'item-1') throw new Error(`many databases: wrong answer from ${db}: ${JSON.stringify(body)}`);
      });
      results.rss_open_databases = rssCount;
      results.rss_bytes = rss(memory.child.pid);
    } finally {
      await memory.stop();
    }

    // Point reads over every database, each with its own key, at most `cap` open: pools churn.
    const next = random(11);
    const reads = [];
    while (reads.length < Math.max(4000, DATABASES)) {
      const order = names.slice();
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const db of order) reads.push({ ...jsonRequest('POST', `/api/db/${db}/query`, { sql: 'SELECT * FROM items WHERE id = ?', params: [1 + Math.floor(next() * 10)] }), headers: { 'content-type': 'application/json', ...bearer(keys.get(db)) } });
    }
    const churn = await startGateway('gateway-many', dataDir, { DBFORGE_MAX_OPEN_DATABASES: String(cap) });
    try {
      await verify(churn.base, 'point read', reads);
      results.many = { ...(await measure(churn, reads, 'many databases')), databases: DATABASES, open_cap: cap, requests_in_list: reads.length };
    } finally {
      await churn.stop();
    }
    console.log(`many databases: ${Math.round(results.many.rps)} req/s over ${DATABASES} databases (open cap ${cap}); RSS with ${rssCount} open ${(results.rss_bytes / 1048576).toFixed(0)} MB`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  logDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-logs-'));
  const results = {
    measured_at: new Date().toISOString(),
    machine: `${cpus().length} cores, ${cpus()[0].model.trim()}`,
    node: process.version,
    duration_s: DURATION,
    connections: CONNECTIONS,
    client_keys: CLIENT_KEYS,
    databases: DATABASES,
    lean: LEAN,
    workloads: {},
  };

  const soulSetup = await ensureSoul();
  results.soul = soulSetup.skipped ? { skipped: soulSetup.skipped } : { version: '0.8.2', install_seconds: soulSetup.installSeconds, reused_install: soulSetup.reused };

  const dirs = [];
  const dir = (name) => {
    const made = mkdtempSync(join(tmpdir(), `dbforge-bench-${name}-`));
    dirs.push(made);
    return made;
  };
  const servers = [];
  const track = (server) => (servers.push(server), server);
  try {
    const gateway = track(await startGateway('gateway', dir('gw')));
    const full = track(await startGateway('gateway-FULL', dir('full'), { DBFORGE_SYNCHRONOUS: 'FULL' }));
    // Continuous replication with Litestream to a file:// store on the same disk: what it costs the writes.
    const replicated = track(await startGateway('gateway-replica', dir('replicated'), { DBFORGE_REPLICA_URL: `file://${dir('replica')}` }));
    const lean = LEAN ? track(await startServer('gateway-lean', gatewayCommand, leanGatewayEnv(dir('lean')), { probe: '/health/live' })) : undefined;
    const nest = track(await startServer('nest-floor', (port) => [process.execPath, join(__dirname, 'nest-floor-server.js'), String(port), join(dir('nest'), 'nest.db')], {}));
    const dutyKeys = Array.from({ length: CLIENT_KEYS }, () => randomBytes(24).toString('base64url'));
    const duties = track(await startServer('nest-floor-duties', (port) => [process.execPath, join(__dirname, 'nest-floor-server.js'), String(port), join(dir('duties'), 'nest.db'), '--duties'], { FLOOR_KEYS: dutyKeys.join(',') }, { probe: '/api/db/x/nothing' }));
    duties.keys = dutyKeys;
    duties.adminKey = dutyKeys[0];
    const baseline = track(await startServer('node-http', (port) => [process.execPath, join(__dirname, 'baseline-server.js'), String(port), join(dir('base'), 'baseline.db')], {}));
    let soul;
    if (!soulSetup.skipped) {
      try {
        const file = join(dir('soul'), 'soul.db');
        await seedSoulDatabase(file, ROWS);
        soul = track(await startServer('soul', soulCommand(soulSetup.server, file), { NODE_ENV: 'production' }, { quiet: true }));
      } catch (error) {
        results.soul = { skipped: `it did not start: ${error.message}` };
      }
    }
    if (results.soul.skipped) console.log(`Soul: skipped (${results.soul.skipped})`);

    for (const server of [gateway, full, replicated, lean, nest, duties, baseline].filter(Boolean)) await seed(server, 'bench');
    gateway.keys = await mintKeys(gateway, 'bench', CLIENT_KEYS);
    full.keys = await mintKeys(full, 'bench', CLIENT_KEYS);
    replicated.keys = await mintKeys(replicated, 'bench', CLIENT_KEYS);

    const soulDone = new Map(); // Soul's list per kind of operation, measured once and shown on each workload of that kind
    for (const [label, workload] of Object.entries(plan())) {
      const requests = workload.ops.map((op) => dbforgeRequest(op, workload.style, 'bench'));
      const row = {};
      const measureOn = async (name, server, list) => {
        await verify(server.base, label, list);
        row[name] = await measure(server, list, label);
      };
      await measureOn('dbforge', gateway, withKeys(requests, gateway.keys));
      if (lean) await measureOn('dbforge_lean', lean, requests);
      await measureOn('nest_floor', nest, requests);
      await measureOn('nest_duties', duties, withKeys(requests, duties.keys));
      if (soul && workload.soul) {
        if (!soulDone.has(workload.soul)) {
          const soulRequests = workload.ops.map(soulRequest);
          await verify(soul.base, label, soulRequests);
          soulDone.set(workload.soul, await measure(soul, soulRequests, label));
        }
        row.soul = { ...soulDone.get(workload.soul), list: workload.soul };
      }
      await measureOn('node_http', baseline, requests);
      if (label === 'single-row insert (/query)') {
        const list = withKeys(requests, full.keys);
        await verify(full.base, label, list);
        results.full_insert = await measure(full, list, label);
        const replicatedList = withKeys(requests, replicated.keys);
        await verify(replicated.base, label, replicatedList);
        results.replicated_insert = await measure(replicated, replicatedList, label);
      }
      row.vs_nest_floor = row.dbforge.rps / row.nest_floor.rps;
      row.vs_node_http = row.dbforge.rps / row.node_http.rps;
      row.vs_nest_duties = row.dbforge.rps / row.nest_duties.rps;
      row.duties_vs_floor = row.nest_duties.rps / row.nest_floor.rps;
      if (row.soul) row.vs_soul = row.dbforge.rps / row.soul.rps;
      if (workload.rowsPerRequest) row.rows_per_request = workload.rowsPerRequest;
      results.workloads[label] = row;
      const cell = (m) => (m ? `${Math.round(m.rps)} req/s (p50 ${m.p50}, p99 ${m.p99} ms)` : 'n/a');
      console.log(`${label}: DB-Forge ${cell(row.dbforge)}${lean ? `, lean ${cell(row.dbforge_lean)}` : ''}, Nest floor ${cell(row.nest_floor)}, Nest floor + duties ${cell(row.nest_duties)}, Soul ${cell(row.soul)}, node:http ${cell(row.node_http)}`);
    }
    // The libSQL remote protocol: the pipeline @libsql/client sends for one execute ([execute, close]), next to POST /query.
    const libsqlLabel = 'point read (libSQL pipeline)';
    const pipelines = withKeys(
      plan()['point read (/query)'].ops.map((op) =>
        jsonRequest('POST', '/libsql/bench/v2/pipeline', {
          baton: null,
          requests: [{ type: 'execute', stmt: { sql: 'SELECT * FROM items WHERE id = ?', args: [{ type: 'integer', value: String(op.id) }], want_rows: true } }, { type: 'close' }],
        }),
      ),
      gateway.keys,
    );
    await verify(gateway.base, libsqlLabel, pipelines);
    results.libsql_point_read = await measure(gateway, pipelines, libsqlLabel);
    console.log(`${libsqlLabel}: DB-Forge ${Math.round(results.libsql_point_read.rps)} req/s (p50 ${results.libsql_point_read.p50}, p99 ${results.libsql_point_read.p99} ms)`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    for (const made of dirs) rmSync(made, { recursive: true, force: true });
  }

  await manyDatabases(results);

  // The /query NDJSON stream of a million rows, as users run the gateway (admin key to fill, a database key to read).
  console.log(`stream: filling ${STREAM_ROWS.toLocaleString('en-US')} rows, then streaming them through POST /query (NDJSON) ...`);
  // measureQueryStream sets the data directory; undefined values drop its quiet defaults (warn logs, no rate limit).
  const { adminKey, env } = userGatewayEnv(undefined, { DBFORGE_LOG_LEVEL: undefined, DBFORGE_RATE_LIMIT_PER_SECOND: undefined });
  delete env.DBFORGE_DATA_DIR;
  const streamLog = openSync(join(logDir, 'gateway-stream.log'), 'a');
  try {
    results.stream = await measureQueryStream({
      rows: STREAM_ROWS,
      env,
      prefix: pin,
      stdout: streamLog,
      headers: bearer(adminKey),
      streamHeaders: async (base) => bearer((await call(base, 'POST', '/admin/databases/people/keys', { scope: 'read-write', name: 'bench-stream' }, { key: adminKey })).key),
    });
  } finally {
    closeSync(streamLog);
  }
  console.log(`stream: ${results.stream.rowsPerSecond} rows/s, RSS ${results.stream.rssBeforeMb} MB before, ${results.stream.rssAfterMb} MB after, peak ${results.stream.peakRssMb} MB`);

  results.gateway_log_bytes = Object.fromEntries(
    ['gateway', 'gateway-FULL', 'gateway-replica', 'gateway-many', 'gateway-stream'].map((name) => {
      try {
        return [name, statSync(join(logDir, `${name}.log`)).size];
      } catch {
        return [name, 0];
      }
    }),
  );
  results.run_seconds = (Date.now() - started) / 1000;
  writeResults(results);
  if (KEEP_LOGS) console.log(`server logs kept in ${logDir}`);
  else rmSync(logDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------
// The table

function writeResults(results) {
  const w = results.workloads;
  const f0 = (n) => Math.round(n).toLocaleString('en-US');
  const x = (n) => `${n.toFixed(2)}x`;
  const mb = (bytes) => (bytes / 1048576).toFixed(0);
  const cell = (m, rowsPerRequest) => (m ? `${f0(m.rps)} (${m.p50} / ${m.p99})${rowsPerRequest ? ` = ${f0(m.rps * rowsPerRequest)} rows/s` : ''}` : 'n/a');
  const soulNote = results.soul.skipped ? ` Soul skipped (${results.soul.skipped}).` : '';
  const minutes = `${Math.floor(results.run_seconds / 60)} min ${Math.round(results.run_seconds % 60)} s`;
  const lines = [
    `DB-Forge as users run it vs the Nest floor, Soul ${results.soul.version ?? '0.8.2'} and node:http — ${results.machine}, Node ${results.node}, ${results.measured_at.slice(0, 10)}, servers on CPU 0, autocannon (${results.connections} connections, ${results.duration_s} s per workload after 1 s of warm-up) on CPU 1; the run took ${minutes}.`,
    '',
    `DB-Forge: DBFORGE_ADMIN_KEY set; every request carries one of ${results.client_keys} read-write database keys, round-robin, as ${results.client_keys} clients would (the default rate limit is 1,000 req/s per key, burst 2,000); request logs at info to a file; metrics on.${results.lean ? ' "lean": auth off, logs at warn, rate limit off.' : ''} Nest floor: a minimal NestJS 11 app (one controller, no pipes/guards/interceptors) and node:http: a bare server, both over the same sqlite3 access code (bench/sqlite-access.js). Nest floor + duties: that app plus, in one middleware, the cheapest form of what every request of a gateway users run must do: a bearer key checked by SHA-256 lookup, a per-key token bucket, one pino request line at info to a file, a Prometheus counter and histogram by route (the same 8-key round-robin); it bounds what any gateway with those duties can serve on this stack. Soul: no raw SQL and one row per insert, so its point read (GET rows/<id>), 10-row filter (?_filters=qty:<v>; its default page of 10 rows holds the 10 matches, and it also counts them) and insert are each measured once and set beside every DB-Forge workload of that kind.${soulNote} Cells: req/s (p50 / p99 ms).`,
    '',
    `| workload | DB-Forge |${results.lean ? ' DB-Forge lean |' : ''} Nest floor | Nest floor + duties | Soul | node:http | DB-Forge / Nest floor | DB-Forge / Soul | DB-Forge / floor + duties | floor + duties / Nest floor |`,
    `|---|---:|${results.lean ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const [label, row] of Object.entries(w)) {
    const r = row.rows_per_request;
    lines.push(`| ${label} | ${cell(row.dbforge, r)} |${results.lean ? ` ${cell(row.dbforge_lean, r)} |` : ''} ${cell(row.nest_floor, r)} | ${cell(row.nest_duties, r)} | ${cell(row.soul)} | ${cell(row.node_http, r)} | ${x(row.vs_nest_floor)} | ${row.vs_soul === undefined ? 'n/a' : x(row.vs_soul)} | ${x(row.vs_nest_duties)} | ${x(row.duties_vs_floor)} |`);
  }

  const withReplica = results.replicated_insert;
  if (withReplica) {
    const plain = w['single-row insert (/query)'].dbforge;
    lines.push('', `Continuous replication (DBFORGE_REPLICA_URL=file://, Litestream): single-row insert (/query) ${f0(withReplica.rps)} req/s (p50 ${withReplica.p50} / p99 ${withReplica.p99} ms) with it, ${f0(plain.rps)} without: ${x(withReplica.rps / plain.rps)}.`);
  }
  const pipeline = results.libsql_point_read;
  if (pipeline) {
    const query = w['point read (/query)'].dbforge;
    lines.push(
      '',
      `libSQL protocol: a pipeline with one execute (and close), as @libsql/client sends it, on the point read: ${f0(pipeline.rps)} req/s (p50 ${pipeline.p50} / p99 ${pipeline.p99} ms), ${x(pipeline.rps / query.rps)} of POST /query (${f0(query.rps)} req/s): ${(1e6 / pipeline.rps - 1e6 / query.rps).toFixed(0)} µs more per request.`,
    );
  }

  const targets = [];
  const target = (text, value, met) => targets.push({ target: text, value, met });
  const ratioTarget = (label, other, key, min) => {
    const row = w[label];
    if (!row[key]) return target(`${label} ≥ ${min.toFixed(1)}x ${other}`, `n/a (${other} not measured)`, null);
    const ratio = row.dbforge.rps / row[key].rps;
    target(`${label} ≥ ${min.toFixed(1)}x ${other}`, `${x(ratio)} (${f0(row.dbforge.rps)} vs ${f0(row[key].rps)} req/s)`, ratio >= min);
  };
  ratioTarget('point read (/query)', 'Nest floor', 'nest_floor', 0.8);
  ratioTarget('point read (/query)', 'Soul', 'soul', 1.0);
  const rowsRatio = w['point read (GET rows)'].dbforge.rps / w['point read (/query)'].dbforge.rps;
  target('point read (GET rows) ≥ 0.9x point read (/query)', `${x(rowsRatio)} (${f0(w['point read (GET rows)'].dbforge.rps)} vs ${f0(w['point read (/query)'].dbforge.rps)} req/s)`, rowsRatio >= 0.9);
  ratioTarget('10-row filter, full scan', 'Nest floor', 'nest_floor', 0.9);
  ratioTarget('10-row filter, full scan', 'Soul', 'soul', 1.5);
  for (const label of ['single-row insert (/query)', 'single-row insert (rows)']) {
    ratioTarget(label, 'Nest floor', 'nest_floor', 1.0);
    ratioTarget(label, 'Soul', 'soul', 1.2);
  }
  const fullRatio = results.full_insert.rps / w['single-row insert (/query)'].dbforge.rps;
  target('DBFORGE_SYNCHRONOUS=FULL single-row insert (/query) ≥ 0.8x the NORMAL gateway', `${x(fullRatio)} (${f0(results.full_insert.rps)} req/s, p50 ${results.full_insert.p50} / p99 ${results.full_insert.p99} ms, vs ${f0(w['single-row insert (/query)'].dbforge.rps)})`, fullRatio >= 0.8);
  target(`${f0(results.rss_open_databases)} open databases ≤ 250 MB RSS`, `${mb(results.rss_bytes)} MB after a read on each`, results.rss_bytes <= 250 * 1048576);
  const many = results.many;
  const manyRatio = many.rps / w['point read (/query)'].dbforge.rps;
  target(
    `${f0(many.databases)} databases, point reads over all of them, DBFORGE_MAX_OPEN_DATABASES=${many.open_cap}, ≥ 0.7x single-database point reads (/query)`,
    `${x(manyRatio)} (${f0(many.rps)} req/s, p50 ${many.p50} / p99 ${many.p99} ms; setting up the ${f0(many.databases)} databases took ${results.many_setup_seconds.toFixed(1)} s: ${results.many_setup})`,
    manyRatio >= 0.7,
  );
  const s = results.stream;
  const flat = s.peakRssMb - s.rssBeforeMb <= 50;
  target(
    `/query NDJSON stream of ${f0(s.rows)} rows ≥ 200,000 rows/s, memory flat (peak ≤ RSS before + 50 MB)`,
    `${f0(s.rowsPerSecond)} rows/s (${s.seconds} s, ${s.megabytes} MB); RSS ${s.rssBeforeMb} MB before, ${s.rssAfterMb} MB after, peak ${s.peakRssMb} MB`,
    s.rowsPerSecond >= 200_000 && flat,
  );
  for (const [label, row] of Object.entries(w)) {
    const spread = row.dbforge.p99 / Math.max(row.dbforge.p50, 1e-9);
    target(`p99 ≤ 4x p50 at ${results.connections} connections, ${label}`, `p50 ${row.dbforge.p50} ms, p99 ${row.dbforge.p99} ms: ${x(spread)}`, spread <= 4);
  }
  results.targets = targets;
  const logMb = Object.values(results.gateway_log_bytes).reduce((a, b) => a + b, 0) / 1e6;

  lines.push('', 'Targets (DB-Forge as users run it):', '');
  for (const t of targets) lines.push(`- ${t.target}: ${t.value} — ${t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'}`);
  const metCount = targets.filter((t) => t.met).length;
  lines.push('', `${metCount} of ${targets.length} targets met. The gateways wrote ${logMb.toFixed(1)} MB of request logs at info.`);
  const table = lines.join('\n');
  console.log(`\n${table}`);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results/perf.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(__dirname, 'results/perf.md'), table + '\n');
}

// The load generator pins itself to CPU 1 (the servers are on CPU 0) by re-running under taskset.
if (pin.length > 0 && !process.env.DBFORGE_BENCH_PINNED) {
  const child = spawn('taskset', ['-c', '1', process.execPath, __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, DBFORGE_BENCH_PINNED: '1' } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  // Servers never outlive the bench, whatever way it ends.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
