#!/usr/bin/env node
// `npm start` runs this first: it builds (`npm run build`) only when the build is missing or older
// than a source file, so a start after an unchanged checkout takes a second, not a build.
// With --check it only says, by its exit status (0 current, 3 stale), whether a build is needed.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const OUTPUTS = ['dist/apps/db-gateway/src/main.js', 'dist/apps/cli/src/main.js', 'dist/native/sqlite-guard.so'];
const SOURCES = ['apps', 'libs/contracts/src', 'libs/client/src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json', 'package-lock.json'];

function newest(path) {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => (name === 'node_modules' ? latest : Math.max(latest, newest(join(path, name)))), info.mtimeMs);
}

function oldestOutput() {
  let oldest = Infinity;
  for (const output of OUTPUTS) {
    try {
      oldest = Math.min(oldest, statSync(join(root, output)).mtimeMs);
    } catch {
      return 0; // missing
    }
  }
  return oldest;
}

const source = Math.max(...SOURCES.map((path) => newest(join(root, path))));
const built = oldestOutput();
if (built > source) {
  console.log('The build is current (dist/ is newer than every source); starting it.');
} else if (process.argv.includes('--check')) {
  console.log('The build is missing or older than the sources.');
  process.exit(3);
} else {
  console.log(built === 0 ? 'No build yet: building (npm run build)...' : 'Sources changed since the last build: building (npm run build)...');
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
