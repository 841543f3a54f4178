import { ErrorCode } from '@dbforge/contracts';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { NodeSqlite3Driver } from '../sqlite/node-sqlite3.driver';
import { OneOffConnections } from '../sqlite/one-off-connections';
import { OpenOptions, SqliteDriver, SqliteError } from '../sqlite/sqlite.port';
import { DatabaseFileValidator } from './database-file.validator';

describe('DatabaseFileValidator', () => {
  let dir: string;
  let sut: DatabaseFileValidator;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-validator-'));
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dir, DBFORGE_STATEMENT_TIMEOUT_MS: '200' });
    sut = new DatabaseFileValidator(new OneOffConnections(new NodeSqlite3Driver(), config), config);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const dump = async (sql: string) => {
    const file = join(dir, 'dump.sql');
    await writeFile(file, sql);
    return sut.buildFromDump(file, join(dir, 'built.db'));
  };

  it('builds a database from a dump and accepts it: one self-contained file, no -wal left behind', async () => {
    const result = await dump("CREATE TABLE t (a); INSERT INTO t VALUES ('x');");
    const built = join(dir, 'built.db');
    expect(result.sizeBytes).toBe((await stat(built)).size);
    expect(existsSync(`${built}-wal`)).toBe(false);
    const connection = await new NodeSqlite3Driver().open(built, { readOnly: true, busyTimeoutMs: 0, synchronous: 'NORMAL' });
    try {
      expect(await connection.all('SELECT a FROM t')).toEqual([{ a: 'x' }]);
      expect(await connection.all("SELECT name FROM sqlite_schema WHERE name LIKE 'dbforge_write_probe%'")).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('refuses a page size that is not a power of two', async () => {
    await dump('CREATE TABLE t (a);');
    const file = join(dir, 'built.db');
    const bytes = await readFile(file);
    bytes.writeUInt16BE(1000, 16);
    await writeFile(file, bytes);
    await expect(sut.validateFile(file)).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: 'The upload has an invalid page size (1000) in its header.' });
  });

  it('refuses a file that reads fine but fails the write probe, and leaves its content as it was', async () => {
    await dump("CREATE TABLE t (a); INSERT INTO t VALUES ('x');");
    const file = join(dir, 'built.db');
    const real = new NodeSqlite3Driver();
    // As SQLite answers for a file whose free pages lie: reads work, the first page allocation fails.
    const failingWrites = {
      open: async (path: string, options: OpenOptions) => {
        const connection = await real.open(path, options);
        if (options.readOnly) return connection;
        const exec = connection.exec.bind(connection);
        connection.exec = (sql: string) => (sql.startsWith('CREATE TABLE') ? Promise.reject(new SqliteError('SQLITE_CORRUPT', 'database disk image is malformed')) : exec(sql));
        return connection;
      },
    } as SqliteDriver;
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dir });
    const probing = new DatabaseFileValidator(new OneOffConnections(failingWrites, config), config);
    await expect(probing.validateFile(file)).rejects.toMatchObject({
      code: ErrorCode.RESTORE_INVALID,
      message: 'The upload can be read but not written (a write probe failed: database disk image is malformed).',
    });
    await expect(sut.validateFile(file)).resolves.toMatchObject({ sizeBytes: expect.any(Number) });
    const connection = await real.open(file, { readOnly: true, busyTimeoutMs: 0, synchronous: 'NORMAL' });
    try {
      expect(await connection.all('SELECT a FROM t')).toEqual([{ a: 'x' }]);
      expect(await connection.all("SELECT name FROM sqlite_schema WHERE type = 'table'")).toEqual([{ name: 't' }]);
    } finally {
      await connection.close();
    }
  });

  it('refuses a freelist trunk page past the end of the file before SQLite reads it', async () => {
    await dump('CREATE TABLE t (a);');
    const file = join(dir, 'built.db');
    const bytes = await readFile(file);
    bytes.writeUInt32BE(1_000_000, 32);
    bytes.writeUInt32BE(1, 36);
    await writeFile(file, bytes);
    await expect(sut.validateFile(file)).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: expect.stringMatching(/^The upload has its first freelist trunk page at 1000000 in its header, outside the file's pages 2\.\.\d+\.$/) });
  });

  it('refuses ROLLBACK in a dump, and a statement that runs past the statement timeout', async () => {
    await expect(dump('CREATE TABLE t (a); ROLLBACK;')).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: expect.stringContaining('statement 2: ROLLBACK') });
    await rm(join(dir, 'built.db'), { force: true });
    const endless = 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c;';
    await expect(dump(endless)).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: expect.stringMatching(/SQL error at statement 1 of the dump: interrupted/) });
  });
});
