'use strict';
// Soul (soul-cli on npm: Express 4 + better-sqlite3, a REST server for one SQLite file) as a reference
// for `npm run bench`. It is installed into a scratch folder outside the repository, reused when it is
// already there, so the repository's dependencies never change for it.
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const sqlite3 = require('sqlite3');

const SOUL_VERSION = '0.8.2';
const SOUL_DIR = join(tmpdir(), 'dbforge-bench-soul');

function installed() {
  const server = join(SOUL_DIR, 'node_modules/soul-cli/src/server.js');
  try {
    const { version } = require(join(SOUL_DIR, 'node_modules/soul-cli/package.json'));
    if (version !== SOUL_VERSION) return undefined;
  } catch {
    return undefined;
  }
  const native = join(SOUL_DIR, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  return existsSync(server) && existsSync(native) ? server : undefined;
}

/** Runs a command in SOUL_DIR without the npm_* variables of the `npm run` that started the bench (they would point npm at the repo). */
function runHere(command, args, timeoutMs) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return new Promise((ok) => {
    const child = spawn(command, args, { cwd: SOUL_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      ok({ code: -1, output: `${output}\n${error.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      ok({ code: code ?? -1, signal, output });
    });
  });
}

/**
 * The path of Soul's server.js, installing soul-cli@0.8.2 first when needed (it compiles better-sqlite3
 * and bcrypt: about 1.5 min), or `{ skipped: reason }`.
 */
async function ensureSoul(log = console.log) {
  const ready = installed();
  if (ready) {
    log(`Soul: soul-cli@${SOUL_VERSION} already installed in ${SOUL_DIR}`);
    return { server: ready, installSeconds: 0, reused: true };
  }
  mkdirSync(SOUL_DIR, { recursive: true });
  if (!existsSync(join(SOUL_DIR, 'package.json'))) writeFileSync(join(SOUL_DIR, 'package.json'), '{ "name": "dbforge-bench-soul", "private": true }\n');
  log(`Soul: installing soul-cli@${SOUL_VERSION} into ${SOUL_DIR} (compiles better-sqlite3 and bcrypt, about 1.5 min) ...`);
  const started = Date.now();
  const outcome = await runHere('npm', ['install', '--no-audit', '--no-fund', `soul-cli@${SOUL_VERSION}`], 10 * 60_000);
  writeFileSync(join(SOUL_DIR, 'install.log'), outcome.output);
  const installSeconds = (Date.now() - started) / 1000;
  if (outcome.code !== 0) {
    const last = outcome.output.trim().split('\n').filter((line) => /err/i.test(line)).pop() ?? outcome.output.trim().split('\n').pop() ?? '';
    return { skipped: `npm install soul-cli@${SOUL_VERSION} failed${outcome.signal ? ` (${outcome.signal})` : ` (exit ${outcome.code})`}: ${last.trim().slice(0, 200)}; log in ${join(SOUL_DIR, 'install.log')}` };
  }
  const server = installed();
  if (!server) return { skipped: `npm install soul-cli@${SOUL_VERSION} finished but better-sqlite3 is not built; log in ${join(SOUL_DIR, 'install.log')}` };
  log(`Soul: installed in ${installSeconds.toFixed(0)} s`);
  return { server, installSeconds, reused: false };
}

/** Creates Soul's database file directly: the bench's `items` (rows ids 1..rows, name item-<id>, qty id % 1000) and an empty `inserts`, WAL. */
function seedSoulDatabase(file, rows) {
  return new Promise((ok, fail) => {
    const db = new sqlite3.Database(file);
    db.exec(
      `PRAGMA journal_mode=WAL;
       CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) INSERT INTO items SELECT x, 'item-' || x, x % 1000 FROM c;
       CREATE TABLE inserts (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);`,
      (error) => db.close((closeError) => (error || closeError ? fail(error || closeError) : ok())),
    );
  });
}

/** The command that starts Soul on `port` over `file`, every listen() pinned to 127.0.0.1 (Soul binds all interfaces). */
const soulCommand = (server, file) => (port) => [process.execPath, '--require', join(__dirname, 'listen-loopback.js'), server, '-d', file, '-p', String(port)];

module.exports = { ensureSoul, seedSoulDatabase, soulCommand, SOUL_DIR, SOUL_VERSION };
