#!/usr/bin/env node
// Streaming a 1,000,000-row table out of the compiled gateway: time, bytes and the gateway's peak
// RSS (VmHWM), for NDJSON and CSV, with a fast reader and with a slow one, against the same rows as one
// JSON response (the row cap raised to let it through). Each measurement runs in a fresh gateway
// process so its peak RSS is its own. A streamed run that does not deliver every row (a cut stream,
// or one that ends early) is flagged SHORT. --repeat N runs each measurement N times and the table
// gives the median time (and rows/s) and the highest peak RSS; --only query|rows|json keeps those
// runs (comma-separated), and then the results are printed but not written to bench/results.
// Usage: npm run bench:stream [-- --rows 1000000 --repeat 3 --only query]
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { request } = require('node:http');
const { freePort } = require('./free-port');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const repo = resolve(__dirname, '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((pair) => pair.trim().split(/\s+/)));
const ROWS = Number(args.rows ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 1);
const ONLY = args.only ? args.only.split(',') : undefined;
const SQL = 'SELECT id, name, email, score, created_at FROM people';

/**
 * Starts the compiled gateway on `dataDir`. `env` replaces the quiet defaults below (warn logs, no rate
 * limit) where it names the same variables; `prefix` goes before the command (e.g. taskset); `stdout`
 * is a file descriptor for the gateway's logs (default: discarded).
 */
async function startGateway(dataDir, extraEnv = {}, { prefix = [], stdout = 'ignore' } = {}) {
  const port = await freePort();
  const [program, ...rest] = [...prefix, process.execPath, join(repo, 'dist/apps/db-gateway/src/main.js')];
  const child = spawn(program, rest, {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_LOG_LEVEL: 'warn', DBFORGE_RATE_LIMIT_PER_SECOND: '0', ...extraEnv },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health/live`)).ok) break;
    } catch {
      if (i > 150) throw new Error('gateway did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const peakRssMb = () => Number(/VmHWM:\s+(\d+) kB/.exec(status())[1]) / 1024;
  const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(status())[1]) / 1024;
  return { base, port, peakRssMb, rssMb, stop: () => new Promise((ok) => { if (child.exitCode !== null) return ok(); child.once('exit', ok); child.kill('SIGTERM'); }) };
}

async function post(base, path, body, headers = {}) {
  const response = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Spawns database `people` and fills its 5-column table with `rows` rows, in one statement. */
async function fillPeople(base, rows, headers = {}) {
  await post(base, '/admin/databases/spawn/people', {}, headers);
  await post(base, '/api/db/people/query', { sql: 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT, score REAL, created_at TEXT)' }, headers);
  await post(
    base,
    '/api/db/people/query',
    {
      sql: `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows})
            INSERT INTO people SELECT x, 'person ' || x, 'p' || x || '@example.com', x * 0.25, datetime(1700000000 + x, 'unixepoch') FROM c`,
    },
    headers,
  );
}

/** Sends the request (POST /query, or GET rows) and reads the answer, counting bytes and lines; `slow` pauses 20 ms after every 256 KiB. */
function download(port, accept, slow, rows, headers = {}) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const target = rows
      ? { method: 'GET', path: '/api/db/people/tables/people/rows', headers: { Accept: accept, ...headers } }
      : { method: 'POST', path: '/api/db/people/query', headers: { 'Content-Type': 'application/json', Accept: accept, ...headers } };
    const req = request({ host: '127.0.0.1', port, ...target }, (res) => {
      let bytes = 0;
      let lines = 0;
      let sincePause = 0;
      res.on('data', (chunk) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        sincePause += chunk.length;
        if (slow && sincePause > 256 * 1024) {
          sincePause = 0;
          res.pause();
          setTimeout(() => res.resume(), 20);
        }
      });
      res.on('end', () => ok({ status: res.statusCode, complete: res.complete, bytes, lines, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(rows ? undefined : JSON.stringify({ sql: SQL }));
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-stream-bench-'));
  try {
    let gateway = await startGateway(dataDir);
    await fillPeople(gateway.base, ROWS);
    await gateway.stop();

    const runs = [
      { label: 'NDJSON, fast reader (POST /query)', kind: 'query', accept: 'application/x-ndjson', slow: false },
      { label: 'NDJSON, fast reader (GET rows, keyset pages)', kind: 'rows', accept: 'application/x-ndjson', slow: false, rows: true },
      { label: 'CSV, fast reader (GET rows, keyset pages)', kind: 'rows', accept: 'text/csv', slow: false, rows: true },
      { label: 'NDJSON, slow reader (GET rows)', kind: 'rows', accept: 'application/x-ndjson', slow: true, rows: true },
      { label: 'CSV, fast reader (POST /query)', kind: 'query', accept: 'text/csv', slow: false },
      { label: 'NDJSON, slow reader (POST /query; 20 ms pause per 256 KiB)', kind: 'query', accept: 'application/x-ndjson', slow: true },
      { label: 'JSON, one response (POST /query; row and byte caps raised)', kind: 'json', accept: 'application/json', slow: false, env: { DBFORGE_MAX_RESULT_ROWS: String(ROWS), DBFORGE_MAX_RESULT_BYTES: String(256 * 1024 * 1024), DBFORGE_STATEMENT_TIMEOUT_MS: '0' } },
    ].filter((run) => !ONLY || ONLY.includes(run.kind));
    const results = [];
    for (const run of runs) {
      const tries = [];
      for (let attempt = 0; attempt < REPEAT; attempt++) {
        gateway = await startGateway(dataDir, run.env);
        await post(gateway.base, '/api/db/people/query', { sql: 'SELECT count(*) FROM people' }); // pool open, as in service
        const before = gateway.rssMb();
        const outcome = await download(gateway.port, run.accept, run.slow, run.rows);
        const peak = gateway.peakRssMb();
        await gateway.stop();
        const rows = run.accept === 'text/csv' ? outcome.lines - 1 : run.accept === 'application/json' ? ROWS : outcome.lines;
        const short = outcome.status !== 200 || !outcome.complete || rows !== ROWS;
        const result = { label: run.label, status: outcome.status, complete: outcome.complete, rows, megabytes: +(outcome.bytes / 1e6).toFixed(1), seconds: +outcome.seconds.toFixed(2), rowsPerSecond: Math.round(rows / outcome.seconds), rssBeforeMb: Math.round(before), peakRssMb: Math.round(peak), ...(short ? { short: true } : {}) };
        console.log(`${short ? 'SHORT ' : ''}${JSON.stringify(result)}`);
        tries.push(result);
      }
      const sorted = [...tries].sort((a, b) => a.seconds - b.seconds);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      const { short: _, ...typical } = median;
      results.push({ ...typical, peakRssMb: Math.max(...tries.map((t) => t.peakRssMb)), ...(tries.some((t) => t.short) ? { short: true } : {}), ...(REPEAT > 1 ? { runs: tries.length, rowsPerSecondEach: tries.map((t) => t.rowsPerSecond) } : {}) });
    }
    const table = [
      `Streaming ${ROWS.toLocaleString('en')} rows (5 columns) out of the compiled gateway; \`npm run bench:stream${REPEAT > 1 ? ` -- --repeat ${REPEAT}` : ''}\`, ${new Date().toISOString().slice(0, 10)}${REPEAT > 1 ? `; median of ${REPEAT} runs, highest peak RSS` : ''}.`,
      '',
      '| run | rows | MB | seconds | rows/s | RSS before (MB) | peak RSS (MB) |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...results.map((r) => `| ${r.label}${r.short ? ' (SHORT)' : ''} | ${r.rows.toLocaleString('en')} | ${r.megabytes} | ${r.seconds} | ${r.rowsPerSecond.toLocaleString('en')} | ${r.rssBeforeMb} | ${r.peakRssMb} |`),
    ].join('\n');
    console.log(`\n${table}`);
    if (ONLY) return;
    writeFileSync(join(repo, 'bench/results/stream.json'), `${JSON.stringify({ rows: ROWS, results }, null, 2)}\n`);
    writeFileSync(join(repo, 'bench/results/stream.md'), `${table}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The `/query` NDJSON stream of `rows` rows to a fast reader, as `npm run bench` measures it: a gateway
 * started with `env` (and `prefix`, `stdout` as startGateway takes them) fills the table with
 * `headers` (the admin key, if any); a fresh one (so its memory is the stream's own) then streams it to
 * a request carrying `streamHeaders` (a database key, if any). Resolves to rows/s and the gateway's RSS
 * before the request, after it and at peak (VmHWM), in MB.
 */
async function measureQueryStream({ rows = 1_000_000, env = {}, prefix = [], stdout = 'ignore', headers = {}, streamHeaders } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-stream-bench-'));
  try {
    let gateway = await startGateway(dataDir, env, { prefix, stdout });
    try {
      await fillPeople(gateway.base, rows, headers);
      if (typeof streamHeaders === 'function') streamHeaders = await streamHeaders(gateway.base);
    } finally {
      await gateway.stop();
    }
    gateway = await startGateway(dataDir, env, { prefix, stdout });
    try {
      await post(gateway.base, '/api/db/people/query', { sql: 'SELECT count(*) FROM people' }, streamHeaders ?? headers); // pool open, as in service
      const before = gateway.rssMb();
      const outcome = await download(gateway.port, 'application/x-ndjson', false, false, streamHeaders ?? headers);
      const after = gateway.rssMb();
      const peak = gateway.peakRssMb();
      if (outcome.status !== 200 || !outcome.complete || outcome.lines !== rows) throw new Error(`stream: status ${outcome.status}, complete ${outcome.complete}, ${outcome.lines} of ${rows} rows`);
      return { rows, megabytes: +(outcome.bytes / 1e6).toFixed(1), seconds: +outcome.seconds.toFixed(2), rowsPerSecond: Math.round(rows / outcome.seconds), rssBeforeMb: Math.round(before), rssAfterMb: Math.round(after), peakRssMb: Math.round(peak) };
    } finally {
      await gateway.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

module.exports = { measureQueryStream, startGateway, download };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
