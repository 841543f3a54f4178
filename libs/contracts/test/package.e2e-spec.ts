import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(__dirname, '../../..');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

const CONSUMER = `
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateTableRequestDto, ErrorBodyDto, ErrorCode, QueryRequestDto, isValidDatabaseName } from '@dbforge/contracts';

const good: QueryRequestDto = { sql: 'SELECT * FROM users WHERE id = ?', params: [1] };
const bad = plainToInstance(CreateTableRequestDto, { table_name: 'x; DROP TABLE y', columns: [{ name: 'ok', type: 'TEXT', primary_key: 'yes' }] });
const notFound: ErrorBodyDto = { detail: 'Database not found.', error: { code: ErrorCode.DATABASE_NOT_FOUND, message: 'Database not found.', status: 404 } };
console.log(JSON.stringify({
  goodErrors: validateSync(plainToInstance(QueryRequestDto, good)).length,
  badProperties: validateSync(bad).map((error) => error.property),
  nestedProperties: validateSync(bad).flatMap((error) => (error.children ?? []).flatMap((child) => (child.children ?? []).map((grandchild) => grandchild.property))),
  code: notFound.error.code,
  traversal: isValidDatabaseName('../etc'),
}));
`;

const MISTYPED = `
import { QueryRequestDto } from '@dbforge/contracts';
export const wrong: QueryRequestDto = { sql: 42 };
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: { module: 'commonjs', target: 'ES2022', strict: true, experimentalDecorators: true, esModuleInterop: true, skipLibCheck: false, outDir: 'out', types: [] },
  files: ['consumer.ts'],
});

/**
 * The contracts library as a separate service would use it: built to JS + .d.ts, packed with
 * `npm pack`, installed into a consumer that has no path alias to the sources.
 */
describe('@dbforge/contracts as a published package', () => {
  let consumer: string;

  beforeAll(() => {
    execFileSync(process.execPath, [tsc, '-p', join(repo, 'libs/contracts/tsconfig.lib.json')], { stdio: 'pipe' });
    mkdirSync(join(repo, 'tmp'), { recursive: true });
    consumer = mkdtempSync(join(repo, 'tmp', 'consumer-'));
    const tarball = execFileSync('npm', ['pack', join(repo, 'libs/contracts'), '--pack-destination', consumer, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop() as string;
    const scope = join(consumer, 'node_modules', '@dbforge');
    mkdirSync(scope, { recursive: true });
    execFileSync('tar', ['-xzf', join(consumer, tarball), '-C', scope]);
    renameSync(join(scope, 'package'), join(scope, 'contracts'));
    writeFileSync(join(consumer, 'tsconfig.json'), TSCONFIG);
  }, 120_000);

  afterAll(() => {
    rmSync(consumer, { recursive: true, force: true });
  });

  it('ships only the built JavaScript and declarations', () => {
    const files = readdirSync(join(consumer, 'node_modules/@dbforge/contracts/dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    expect(readdirSync(join(consumer, 'node_modules/@dbforge/contracts'))).not.toContain('src');
  });

  it('compiles a consumer against the package and validates payloads with it', () => {
    writeFileSync(join(consumer, 'consumer.ts'), CONSUMER);
    execFileSync(process.execPath, [tsc, '-p', consumer], { stdio: 'pipe' });
    const output = execFileSync(process.execPath, [join(consumer, 'out/consumer.js')], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({
      goodErrors: 0,
      badProperties: ['table_name', 'columns'],
      nestedProperties: ['primary_key'],
      code: 'DATABASE_NOT_FOUND',
      traversal: false,
    });
  });

  it('gives the consumer real types: a mistyped payload does not compile', () => {
    writeFileSync(join(consumer, 'consumer.ts'), MISTYPED);
    const result = spawnSync(process.execPath, [tsc, '-p', consumer, '--noEmit'], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("Type 'number' is not assignable to type 'string'");
  });
});
