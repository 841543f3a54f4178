import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { COMPILED_GATEWAY, freePort } from './support/compiled-gateway';
import { makeDataDir, removeDataDir } from './support/test-gateway';

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [COMPILED_GATEWAY], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (!existsSync(COMPILED_GATEWAY)) throw new Error(`${COMPILED_GATEWAY} is missing: run "npm run build" (npm test does it first).`);
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

  it('keeps every acknowledged write through kill -9 during a write load', async () => {
    const port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_RATE_LIMIT_PER_SECOND: '0' };
    const base = `http://127.0.0.1:${port}`;
    const post = (path: string, body?: unknown) =>
      fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    let gateway = run(env);
    const acknowledged = new Set<string>();
    try {
      await waitFor(`${base}/`, 15_000);
      expect((await post('/admin/databases/spawn/durable')).status).toBe(201);
      expect((await post('/api/db/durable/query', { sql: 'CREATE TABLE events (tag TEXT PRIMARY KEY)' })).status).toBe(200);
      let killed = false;
      const writer = async (lane: number) => {
        for (let n = 0; !killed; n++) {
          const tag = `${lane}-${n}`;
          const viaRows = n % 2 === 0;
          try {
            const response = viaRows
              ? await post('/api/db/durable/tables/events/rows', { rows: [{ tag }, { tag: `${tag}-b` }] })
              : await post('/api/db/durable/query', { sql: 'INSERT INTO events (tag) VALUES (?)', params: [tag] });
            if (response.status === 200 || response.status === 201) {
              acknowledged.add(tag);
              if (viaRows) acknowledged.add(`${tag}-b`);
            }
          } catch {
            return; // the connection died with the process
          }
        }
      };
      const lanes = Array.from({ length: 8 }, (_, lane) => writer(lane));
      await new Promise((wait) => setTimeout(wait, 1500));
      gateway.child.kill('SIGKILL');
      killed = true;
      await Promise.all(lanes);
      expect(await gateway.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(acknowledged.size).toBeGreaterThan(100);

      gateway = run(env);
      await waitFor(`${base}/`, 15_000);
      const stored = await post('/api/db/durable/query', { sql: 'SELECT tag FROM events' });
      expect(stored.status).toBe(200);
      const tags = new Set(((await stored.json()) as { data: { tag: string }[] }).data.map((row) => row.tag));
      const lost = [...acknowledged].filter((tag) => !tags.has(tag));
      expect(lost).toEqual([]);
      const integrity = await post('/api/db/durable/query', { sql: 'PRAGMA integrity_check' });
      expect(((await integrity.json()) as { data: unknown[] }).data).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
  });

  it('on SIGTERM finishes the request in flight, checkpoints and exits', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const gateway = run({ PORT: String(port), HOST: '127.0.0.1', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' });
    try {
      await waitFor(`${base}/`, 15_000);
      await fetch(`${base}/admin/databases/spawn/drain`, { method: 'POST' });
      // A statement that takes about a second.
      const slowSql = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) AS c FROM n';
      const inFlight = fetch(`${base}/api/db/drain/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: slowSql }) });
      await new Promise((wait) => setTimeout(wait, 200));
      gateway.child.kill('SIGTERM');
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: [{ c: 3000000 }], rows_affected: 1 });
    } finally {
      gateway.child.kill('SIGTERM');
    }
    expect(await gateway.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(existsSync(join(dataDir, 'drain', 'drain.db-wal'))).toBe(false);
  });

  it('logs one JSON line per request with its request id, slow statements with their SQL, and never keys or parameters', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const adminKey = 'log-test-admin-key-0123456789';
    const secret = 'parameter-value-never-logged';
    const gateway = run({
      PORT: String(port),
      HOST: '127.0.0.1',
      DBFORGE_DATA_DIR: dataDir,
      DBFORGE_RUNTIME: 'embedded',
      DBFORGE_ADMIN_KEY: adminKey,
      DBFORGE_SLOW_STATEMENT_MS: '20',
    });
    try {
      await waitFor(`${base}/`, 15_000);
      const headers = { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' };
      await fetch(`${base}/admin/databases/spawn/logs`, { method: 'POST', headers });
      const query = await fetch(`${base}/api/db/logs/query`, {
        method: 'POST',
        headers: { ...headers, 'X-Request-Id': 'log-trace-1' },
        body: JSON.stringify({ sql: 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000) SELECT count(*) AS c, ? AS p FROM n', params: [secret] }),
      });
      expect(query.status).toBe(200);
      await fetch(`${base}/api/db/logs/tables/t/rows?secret_filter=${secret}`, { headers });
      await new Promise((wait) => setTimeout(wait, 300));
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLine = lines.find((line) => (line.req as { id?: string } | undefined)?.id === 'log-trace-1' && line.res);
    expect(requestLine).toMatchObject({ msg: 'POST /api/db/logs/query 200', req: { method: 'POST', path: '/api/db/logs/query' }, res: { status: 200 } });
    const slow = lines.find((line) => line.msg === 'slow statement');
    expect(slow).toMatchObject({ database: 'logs', kind: 'read', sql: expect.stringContaining('WITH RECURSIVE'), request_id: 'log-trace-1' });
    expect(gateway.output()).not.toContain(secret);
    expect(gateway.output()).not.toContain(adminKey);
  });

  describe('safe by default', () => {
    it('refuses to listen on an address other machines reach without a key, naming both ways out and nothing else', async () => {
      // Refused before anything listens: no socket is ever opened on 0.0.0.0.
      const gateway = run({ HOST: '0.0.0.0', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' });
      expect(await gateway.exited).toEqual({ code: 1, signal: null });
      const output = gateway.output();
      expect(output).toContain('DB-Forge failed to start');
      expect(output).toContain('HOST="0.0.0.0" is reachable from other machines');
      expect(output).toContain('Set DBFORGE_ADMIN_KEY');
      expect(output).toContain('DBFORGE_OPEN=true');
      expect(output).not.toMatch(/^\s+at /m); // the reasons, not a stack trace
      expect(output).not.toContain('Nest application');
    });

    it('listens on 127.0.0.1 by default, keyless for this machine only, and says so once at start-up', async () => {
      const port = await freePort();
      const gateway = run({ PORT: String(port), DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' });
      try {
        const ready = await waitFor(`http://127.0.0.1:${port}/health/ready`, 15_000);
        const body = (await ready.json()) as { details: { auth: { detail: string } } };
        expect(body.details.auth.detail).toBe('open to this machine only: DBFORGE_ADMIN_KEY is not set and HOST=127.0.0.1 is a loopback address');
      } finally {
        gateway.child.kill('SIGTERM');
        await gateway.exited;
      }
      const lines = gateway.output().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string; context?: string });
      const summary = lines.filter((line) => line.context === 'Bootstrap');
      expect(summary).toHaveLength(1);
      expect(summary[0].msg).toBe(
        `DB-Forge listening on http://127.0.0.1:${port} | Runtime: embedded (DBFORGE_RUNTIME=embedded; databases are held by the gateway, no containers) | ` +
          `data: ${dataDir} | auth: open to this machine only: DBFORGE_ADMIN_KEY is not set and HOST=127.0.0.1 is a loopback address | ` +
          `API explorer: http://127.0.0.1:${port}/docs, readiness: http://127.0.0.1:${port}/health/ready`,
      );
      // Nest's line per module and per route is debug, not info.
      const info = lines.filter((line) => line.level >= 30);
      expect(info.filter((line) => /Mapped \{|dependencies initialized/.test(line.msg))).toEqual([]);
      expect(info.length).toBeLessThanOrEqual(3);
    });

    it('with DBFORGE_OPEN=true serves everyone without a key, warns at start-up and shows it in readiness', async () => {
      const port = await freePort();
      const gateway = run({ PORT: String(port), HOST: '127.0.0.1', DBFORGE_OPEN: 'true', DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' });
      try {
        const ready = await waitFor(`http://127.0.0.1:${port}/health/ready`, 15_000);
        const body = (await ready.json()) as { details: { auth: { detail: string } } };
        expect(body.details.auth.detail).toBe('open: DBFORGE_OPEN=true, every endpoint is open to anyone who can reach it');
        expect((await fetch(`http://127.0.0.1:${port}/admin/databases/spawn/open_db`, { method: 'POST' })).status).toBe(201);
      } finally {
        gateway.child.kill('SIGTERM');
        await gateway.exited;
      }
      const warning = gateway.output().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => line.level === 40);
      expect(warning?.msg).toMatch(/^DBFORGE_OPEN=true: the gateway is OPEN on 127.0.0.1/);
    });

    it('says which variable to change when its port is taken', async () => {
      const taken = createServer();
      const port = await new Promise<number>((resolvePort) => taken.listen(0, '127.0.0.1', () => resolvePort((taken.address() as { port: number }).port)));
      try {
        const gateway = run({ PORT: String(port), DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' });
        expect(await gateway.exited).toEqual({ code: 1, signal: null });
        expect(gateway.output()).toContain(`DB-Forge failed to start: port ${port} on 127.0.0.1 is in use by another program: set PORT to a free port`);
      } finally {
        taken.close();
      }
    });
  });

  describe('npm start', () => {
    const repo = resolve(__dirname, '../../..');

    it('starts the current build without rebuilding it, and stops the gateway when it is stopped', async () => {
      // Never rebuild under a running suite (other suites use dist/): `npm test` has just built it.
      const check = spawnSync(process.execPath, [join(repo, 'infra/scripts/build-if-stale.js'), '--check'], { encoding: 'utf8' });
      expect({ status: check.status, stdout: check.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('The build is current') });
      const port = await freePort();
      const npm = spawn('npm', ['start'], { cwd: repo, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => npm.on('exit', (code) => resolveExit(code)));
      try {
        const ready = await waitFor(`http://127.0.0.1:${port}/health/live`, 30_000);
        expect(ready.status).toBe(200);
        expect(output).toContain('The build is current');
        expect(output).not.toContain('nest build');
      } finally {
        npm.kill('SIGTERM');
      }
      await exited;
      // The gateway itself is gone, not orphaned behind the stopped npm.
      const deadline = Date.now() + 10_000;
      let stillUp = true;
      while (stillUp && Date.now() < deadline) {
        stillUp = await fetch(`http://127.0.0.1:${port}/health/live`).then(() => true, () => false);
        if (stillUp) await new Promise((wait) => setTimeout(wait, 200));
      }
      expect(stillUp).toBe(false);
    }, 60_000);
  });
});
