import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const REPO = resolve(__dirname, '../../..');
const VERSION = (JSON.parse(readFileSync(resolve(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The compiled CLI as a newcomer meets it: help, version, typos, and messages that read as sentences. */
describe('the dbforge command line, first use', () => {
  let gateway: TestGateway;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuiltCli();
    gateway = await startGateway(await makeDataDir());
    env = { DBFORGE_URL: (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1') };
    await gateway.http.post('/admin/databases/spawn/first').expect(201);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('runs as `npx dbforge` in the clone, with nothing but JSON on stdout for --json', async () => {
    // Asynchronously: the gateway answering it runs in this very process.
    const stdout = await new Promise<string>((resolveRun, reject) =>
      execFile('npx', ['--no-install', 'dbforge', '--json', 'list'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: 60_000 }, (error, out) =>
        error ? reject(error) : resolveRun(out),
      ),
    );
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ name: 'first' })]);
  });

  it('prints its version', async () => {
    expect(await cli(['--version'], env)).toEqual({ status: 0, stdout: `dbforge ${VERSION}\n`, stderr: '' });
  });

  it.each([[['help', 'query']], [['query', '--help']]])('shows one command\'s usage with %j', async (args) => {
    const { status, stdout } = await cli(args, env);
    expect(status).toBe(0);
    expect(stdout).toContain('Usage: dbforge [--url URL] [--key KEY] [--json] query ...');
    expect(stdout).toContain('query <db> [SQL] [--file F] [--params JSON] [--format ndjson|csv]');
    expect(stdout).not.toContain('create-table');
  });

  it('shows every form of a command that has several', async () => {
    const { stdout } = await cli(['help', 'insert'], env);
    expect(stdout).toContain('insert <db> <table> [JSON] [--file F]');
    expect(stdout).toContain('--on-conflict COL[,COL][:ignore]');
  });

  it.each([
    ['qurey', 'query'],
    ['spwan', 'spawn'],
    ['tabels', 'tables'],
    ['hlep', 'help'],
    ['snapshot-delet', 'snapshot-delete'],
  ])('suggests the nearest command for %s', async (typo, meant) => {
    expect(await cli([typo, 'first'], env)).toEqual({ status: 2, stdout: '', stderr: `unknown command "${typo}"; did you mean "${meant}"? (dbforge --help lists them)\n` });
  });

  it('suggests nothing for a word far from every command', async () => {
    expect((await cli(['frobnicate'], env)).stderr).toBe('unknown command "frobnicate" (dbforge --help lists them)\n');
    expect((await cli(['help', 'frobnicate'], env)).status).toBe(2);
  });

  it('refuses a column type SQLite does not know, unless told --any-type', async () => {
    const refused = await cli(['create-table', 'first', 't', 'id:INTEGER:pk', 'age:INTEGR'], env);
    expect(refused).toEqual({
      status: 2,
      stdout: '',
      stderr: 'column "age:INTEGR": INTEGR is not a SQLite type name (SQLite would store it with NUMERIC affinity). Did you mean INTEGER? Pass --any-type to use it anyway.\n',
    });
    expect((await gateway.http.get('/api/db/first/tables').expect(200)).body).toEqual([]);
    for (const type of ['INTEGER', 'varchar(20)', 'DECIMAL(10, 2)', 'double precision', 'BLOB', 'DATETIME']) {
      expect((await cli(['create-table', 'first', `t_${type.replace(/\W/g, '_')}`, `c:${type}`], env)).status).toBe(0);
    }
    expect((await cli(['create-table', 'first', 'odd', 'c:INTEGR', '--any-type'], env)).status).toBe(0);
  });

  it('prints an empty result as its count alone', async () => {
    await cli(['create-table', 'first', 'empty', 'id:INTEGER:pk'], env);
    expect(await cli(['query', 'first', 'SELECT * FROM empty'], env)).toMatchObject({ status: 0, stdout: '(0 rows)\n' });
    expect(await cli(['rows', 'first', 'empty'], env)).toMatchObject({ status: 0, stdout: '(0 rows)\n' });
  });

  it('says in a sentence what is wrong with JSON it cannot read', async () => {
    const { status, stderr } = await cli(['insert', 'first', 'empty', '[{id: 1}]'], env);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^Could not read the rows: not valid JSON \(.+\)\.\n$/);
  });

  it('says how to point it at a gateway that does not answer', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolvePort) => closed.listen(0, '127.0.0.1', () => resolvePort((closed.address() as { port: number }).port)));
    await new Promise((done) => closed.close(done));
    expect(await cli(['list'], { DBFORGE_URL: `http://127.0.0.1:${port}` })).toEqual({
      status: 1,
      stdout: '',
      stderr: `Cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is the gateway running there? Give its address with --url or DBFORGE_URL.\n`,
    });
  });
});
