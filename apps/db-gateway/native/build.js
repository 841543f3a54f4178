#!/usr/bin/env node
// Compiles the SQLite guard (sqlite-guard.c, with the stream batches of stream-batch.c) into dist/native/sqlite-guard.so, against the headers of
// the SQLite amalgamation that the sqlite3 package ships and compiles. Needs a C compiler (cc), as
// the sqlite3 package itself does.
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readdirSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const deps = join(root, 'node_modules', 'sqlite3', 'deps');
const tarball = readdirSync(deps).find((name) => /^sqlite-autoconf-\d+\.tar\.gz$/.test(name));
if (!tarball) throw new Error(`No SQLite amalgamation in ${deps}: run npm install first.`);
const headers = mkdtempSync(join(tmpdir(), 'dbforge-sqlite-headers-'));
try {
  execFileSync('tar', ['xzf', join(deps, tarball), '-C', headers, '--strip-components=1', '--wildcards', '*/sqlite3.h', '*/sqlite3ext.h']);
  const out = join(root, 'dist', 'native');
  mkdirSync(out, { recursive: true });
  execFileSync(process.env.CC || 'cc', ['-O2', '-shared', '-fPIC', '-Wall', '-Werror', `-I${headers}`, '-o', join(out, 'sqlite-guard.so'), join(__dirname, 'sqlite-guard.c'), join(__dirname, 'stream-batch.c')], { stdio: 'inherit' });
} finally {
  rmSync(headers, { recursive: true, force: true });
}
