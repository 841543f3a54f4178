import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const BUILT = join('dist', 'native', 'sqlite-guard.so');

/**
 * Where the SQLite guard (native/sqlite-guard.c, compiled by `npm run build`) lies: the nearest
 * `dist/native/sqlite-guard.so` above this file, so the compiled app, the Docker image and the tests
 * run from source all find the same one. Undefined when it was never built.
 */
export function findSqliteGuard(from = __dirname): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, BUILT);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
