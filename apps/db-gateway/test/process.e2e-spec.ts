import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { makeDataDir, removeDataDir } from './support/test-gateway';

const MAIN = resolve(__dirname, '../../../dist/apps/db-gateway/src/main.js');

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitFor(url: string, deadlineMs: number): Promise<Response> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }
}

/** The compiled gateway as `npm start` runs it (built by `npm test`'s pretest step). */
describe('the compiled gateway process', () => {
  let dataDir: string;

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does it first).`);
  });

  beforeEach(async () => {
    dataDir = await makeDataDir();
  });

  afterEach(async () => {
    await removeDataDir(dataDir);
  });

  it('honours PORT, HOST and DBFORGE_DATA_DIR, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    // `auto` with no engine at the socket falls back to embedded and says so.
    const gateway = run({ PORT: String(port), HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'auto', DBFORGE_DOCKER_SOCKET: join(dataDir, 'no-engine.sock') });
    try {
      const greeting = await waitFor(`http://127.0.0.1:${port}/`, 15_000);
      expect(await greeting.json()).toEqual({ message: 'Praetorian DB-Forge is online.' });
      const spawned = await fetch(`http://127.0.0.1:${port}/admin/databases/spawn/proc_db`, { method: 'POST' });
      expect(spawned.status).toBe(201);
      expect(existsSync(join(dataDir, 'proc_db', 'proc_db.db'))).toBe(true);
      expect(gateway.output()).toContain('Runtime: embedded (DBFORGE_RUNTIME=auto; no Docker engine answered');
    } finally {
      gateway.child.kill('SIGTERM');
    }
    // Nest closes the app, then re-raises the signal so the exit status says why the process ended.
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGTERM' });
    // The pool was closed with a checkpoint: nothing is left in a WAL file.
    expect(existsSync(join(dataDir, 'proc_db', 'proc_db.db-wal'))).toBe(false);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['DBFORGE_RUNTIME', { DBFORGE_RUNTIME: 'kubernetes' }],
    ['DBFORGE_POOL_READERS', { DBFORGE_POOL_READERS: '0' }],
  ])('refuses to start on a bad %s, naming it', async (name, env) => {
    const gateway = run({ HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, ...env });
    expect(await gateway.exited).toEqual({ code: 1, signal: null });
    expect(gateway.output()).toContain(name);
  });
});
