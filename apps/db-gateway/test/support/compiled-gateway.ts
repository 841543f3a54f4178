import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { until } from './test-gateway';

/** The compiled gateway as `npm start` runs it (built by `npm test`'s pretest step). */
export const COMPILED_GATEWAY = resolve(__dirname, '../../../../dist/apps/db-gateway/src/main.js');

/** A TCP port free on 127.0.0.1 at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The compiled gateway as users run it, on a free loopback port, with `env` (and PATH) only; ready when it answers /health/live. */
export async function startGatewayProcess(dataDir: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [COMPILED_GATEWAY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), DBFORGE_DATA_DIR: dataDir, DBFORGE_LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/health/live`).catch(() => undefined))?.ok === true, 20_000);
  return { child, base };
}

/** Resolves once `child` has exited. */
export const exited = (child: ChildProcess) => new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(undefined) : child.once('exit', done)));
