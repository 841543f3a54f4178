import { ErrorCode } from '@dbforge/contracts';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { NodeSqlite3Driver } from '../data-plane/sqlite/node-sqlite3.driver';
import { DatabaseFileValidator } from './database-file.validator';

describe('DatabaseFileValidator', () => {
  let dir: string;
  let sut: DatabaseFileValidator;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-validator-'));
    sut = new DatabaseFileValidator(new NodeSqlite3Driver(), loadGatewayConfig({ DBFORGE_DATA_DIR: dir, DBFORGE_STATEMENT_TIMEOUT_MS: '200' }));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const dump = async (sql: string) => {
    const file = join(dir, 'dump.sql');
    await writeFile(file, sql);
    return sut.buildFromDump(file, join(dir, 'built.db'));
  };

  it('builds a database from a dump and accepts it; the result is a WAL file marked rollback for the read-only check', async () => {
    const result = await dump("CREATE TABLE t (a); INSERT INTO t VALUES ('x');");
    expect(result.sizeBytes).toBeGreaterThan(0);
    const header = await readFile(join(dir, 'built.db'));
    expect([header[18], header[19]]).toEqual([1, 1]);
  });

  it('refuses a page size that is not a power of two', async () => {
    await dump('CREATE TABLE t (a);');
    const file = join(dir, 'built.db');
    const bytes = await readFile(file);
    bytes.writeUInt16BE(1000, 16);
    await writeFile(file, bytes);
    await expect(sut.validateFile(file)).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: 'The upload has an invalid page size (1000) in its header.' });
  });

  it('refuses ROLLBACK in a dump, and a statement that runs past the statement timeout', async () => {
    await expect(dump('CREATE TABLE t (a); ROLLBACK;')).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: expect.stringContaining('statement 2: ROLLBACK') });
    await rm(join(dir, 'built.db'), { force: true });
    const endless = 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c;';
    await expect(dump(endless)).rejects.toMatchObject({ code: ErrorCode.RESTORE_INVALID, message: expect.stringMatching(/SQL error at statement 1 of the dump: interrupted/) });
  });
});
