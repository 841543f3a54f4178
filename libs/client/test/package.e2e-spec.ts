import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from '../../../apps/db-gateway/test/support/test-gateway';

const repo = resolve(__dirname, '../../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const ADMIN = 'client-package-admin-key-0123';

/** What another project writes: nothing but the installed packages, no path alias, no sources. */
const CONSUMER = `
import { DbForgeClient, DbForgeError, hasRows } from '@dbforge/client';
import type { QueryRequestDto } from '@dbforge/contracts';

async function main(): Promise<void> {
  const client = new DbForgeClient({ baseUrl: process.env.DBFORGE_URL as string, apiKey: process.env.DBFORGE_KEY });
  const spawned = await client.spawn('from_package');
  await client.createTable('from_package', { table_name: 'notes', columns: [{ name: 'id', type: 'INTEGER', primary_key: true }, { name: 'body', type: 'TEXT' }] });
  await client.insertRows('from_package', 'notes', [{ body: 'installed' }]);
  const request: QueryRequestDto = { sql: 'SELECT body FROM notes WHERE id = ?', params: [1] };
  const result = await client.query('from_package', request.sql, request.params);
  const missing = await client.query('no_such_db', 'SELECT 1').catch((error: unknown) => error);
  console.log(JSON.stringify({
    created: spawned.created,
    rows: hasRows(result) ? result.data : null,
    error: missing instanceof DbForgeError ? { status: missing.status, code: missing.code } : null,
  }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

/** A Node project's usual settings; its @types/node is the one of this repository (the scratch project installs offline). */
const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'commonjs', target: 'ES2022', strict: true, esModuleInterop: true, skipLibCheck: true, outDir: 'out', typeRoots: [join(repo, 'node_modules/@types')], types: ['node'] },
  files: ['consumer.ts'],
});

function run(program: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<string> {
  // Asynchronously: the gateway the consumer calls runs in this very process.
  return new Promise((resolveRun, reject) =>
    execFile(program, args, { ...options, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env }, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${program} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`)) : resolveRun(stdout),
    ),
  );
}

/**
 * @dbforge/client as another project uses it: built, packed with `npm pack` (with @dbforge/contracts,
 * which gives it its types), installed with `npm install` from the tarballs alone (offline: the
 * client has no run-time dependency), compiled against and run against a real gateway.
 */
describe('@dbforge/client as an installable package', () => {
  let consumer: string;
  let gateway: TestGateway;

  beforeAll(async () => {
    execFileSync('npm', ['run', '-s', 'build:client'], { cwd: repo, stdio: 'pipe' });
    mkdirSync(join(repo, 'tmp'), { recursive: true });
    consumer = mkdtempSync(join(repo, 'tmp', 'client-consumer-'));
    for (const library of ['contracts', 'client']) execFileSync('npm', ['pack', join(repo, 'libs', library), '--pack-destination', consumer, '--silent'], { stdio: 'pipe' });
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const tarballs = readdirSync(consumer).filter((file) => file.endsWith('.tgz')).map((file) => `./${file}`);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: consumer });
    writeFileSync(join(consumer, 'tsconfig.json'), TSCONFIG);
    writeFileSync(join(consumer, 'consumer.ts'), CONSUMER);
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
  }, 240_000);

  afterAll(async () => {
    await gateway?.close();
    if (gateway) await removeDataDir(gateway.dataDir);
    rmSync(consumer, { recursive: true, force: true });
  });

  it('installs as built JavaScript and declarations, without sources', () => {
    expect(readdirSync(join(consumer, 'node_modules/@dbforge/client'))).toEqual(expect.arrayContaining(['dist', 'package.json']));
    expect(readdirSync(join(consumer, 'node_modules/@dbforge/client'))).not.toContain('src');
    expect(readdirSync(join(consumer, 'node_modules/@dbforge/client/dist'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('compiles a consumer against it and calls a running gateway', async () => {
    await run(process.execPath, [tsc, '-p', consumer], { cwd: consumer });
    const url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    const output = await run(process.execPath, [join(consumer, 'out/consumer.js')], { cwd: consumer, env: { DBFORGE_URL: url, DBFORGE_KEY: ADMIN } });
    expect(JSON.parse(output)).toEqual({ created: true, rows: [{ body: 'installed' }], error: { status: 404, code: 'DATABASE_NOT_FOUND' } });
    expect((await gateway.http.get('/admin/databases').set('Authorization', `Bearer ${ADMIN}`).expect(200)).body).toEqual([expect.objectContaining({ name: 'from_package' })]);
  });

  it('refuses a mistyped call at compile time', async () => {
    writeFileSync(join(consumer, 'mistyped.ts'), "import { DbForgeClient } from '@dbforge/client';\nnew DbForgeClient({ baseUrl: 'x' }).query('db', 42);\n");
    const options = ['--noEmit', '--strict', '--skipLibCheck', '--typeRoots', join(repo, 'node_modules/@types'), '--types', 'node'];
    await expect(run(process.execPath, [tsc, ...options, join(consumer, 'mistyped.ts')], { cwd: consumer })).rejects.toThrow(/not assignable to parameter of type 'string'/);
  });
});
