#!/usr/bin/env node
// Backup, SQL export and snapshot of a ~100 MB database through the built gateway (embedded runtime):
// time and size of each, and the same backup while a writer keeps inserting. Needs `npm run build`.
// Usage: node bench/backup.bench.js [--mb 100]
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { freePort } = require('./free-port');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const sqlite3 = require('sqlite3');

const repo = resolve(__dirname, '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((pair) => pair.trim().split(/\s+/)));
const MB = Number(args.mb ?? 100);

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

/** Reads a response to the end, counting bytes (nothing kept). */
async function drain(response) {
  if (response.status !== 200 && response.status !== 201) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += chunk.length;
  return bytes;
}

async function fill(file) {
  const db = await new Promise((ok, fail) => {
    const handle = new sqlite3.Database(file, (error) => (error ? fail(error) : ok(handle)));
  });
  const exec = (sql) => new Promise((ok, fail) => db.exec(sql, (error) => (error ? fail(error) : ok())));
  db.configure('busyTimeout', 5000);
  await exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, amount REAL, payload BLOB)');
  const rows = Math.round((MB * 1024 * 1024) / 1100);
  await exec(`INSERT INTO items (name, amount, payload) WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < ${rows}) SELECT 'item ' || x, x * 0.25, randomblob(1000) FROM k`);
  await exec('CREATE INDEX items_name ON items (name)');
  await new Promise((ok) => db.close(ok));
  return rows;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'dbforge-bench-backup-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_LOG_LEVEL: 'warn' };
  const gateway = spawn(process.execPath, [join(repo, 'dist/apps/db-gateway/src/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/health/live`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 100) throw new Error('gateway did not start');
      await new Promise((ok) => setTimeout(ok, 100));
    }
    await drain(await fetch(`${base}/admin/databases/spawn/big`, { method: 'POST' }));
    const rows = await fill(join(dataDir, 'big', 'big.db'));
    const details = await (await fetch(`${base}/admin/databases/big`)).json();
    console.log(`database: ${rows} rows, file ${(details.file.size_bytes / 1048576).toFixed(1)} MiB + WAL ${(details.file.wal_size_bytes / 1048576).toFixed(1)} MiB`);

    let start = process.hrtime.bigint();
    let bytes = await drain(await fetch(`${base}/admin/databases/big/backup`));
    console.log(`GET backup (idle): ${(bytes / 1048576).toFixed(1)} MiB in ${ms(start).toFixed(0)} ms`);

    let stop = false;
    let writes = 0;
    const writer = (async () => {
      while (!stop) {
        const response = await fetch(`${base}/api/db/big/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: "INSERT INTO items (name, amount, payload) VALUES ('live', 1, randomblob(1000))" }) });
        if (response.status !== 200) throw new Error(`write: ${response.status}`);
        await response.arrayBuffer();
        writes++;
      }
    })();
    start = process.hrtime.bigint();
    bytes = await drain(await fetch(`${base}/admin/databases/big/backup`));
    const during = ms(start);
    stop = true;
    await writer;
    console.log(`GET backup (one writer inserting): ${(bytes / 1048576).toFixed(1)} MiB in ${during.toFixed(0)} ms; ${writes} writes acknowledged meanwhile`);

    const before = (await (await fetch(`${base}/metrics`)).text()).match(/^dbforge_process_resident_memory_bytes (\d+)/m);
    console.log(`gateway resident memory before the export: ${before ? (Number(before[1]) / 1048576).toFixed(0) : '?'} MiB`);
    start = process.hrtime.bigint();
    bytes = await drain(await fetch(`${base}/admin/databases/big/export?format=sql`));
    console.log(`GET export?format=sql: ${(bytes / 1048576).toFixed(1)} MiB in ${ms(start).toFixed(0)} ms`);

    const rss = (await (await fetch(`${base}/metrics`)).text()).match(/^dbforge_process_resident_memory_bytes (\d+)/m);
    console.log(`gateway resident memory after the export: ${rss ? (Number(rss[1]) / 1048576).toFixed(0) : '?'} MiB`);

    start = process.hrtime.bigint();
    const snapshot = await (await fetch(`${base}/admin/databases/big/snapshots`, { method: 'POST' })).json();
    console.log(`POST snapshots: ${(snapshot.size_bytes / 1048576).toFixed(1)} MiB in ${ms(start).toFixed(0)} ms`);
  } finally {
    gateway.kill('SIGTERM');
    await new Promise((ok) => gateway.on('exit', ok));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
