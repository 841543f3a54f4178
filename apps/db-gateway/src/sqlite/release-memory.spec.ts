import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { SqliteConnection } from './sqlite.port';

/** releaseMemory on a real connection: what an idle connection gives back, and that it goes on working. */
describe('SqliteConnection.releaseMemory (node-sqlite3)', () => {
  let dir: string;
  let connection: SqliteConnection;
  /** The driver's statement cache, which is private: the statements it still holds prepared. */
  const prepared = () => (connection as unknown as { statements: Map<string, unknown> }).statements.size;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-memory-'));
    connection = await new NodeSqlite3Driver().open(join(dir, 'm.db'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
    await connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  });

  afterEach(async () => {
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finalizes the cached statements; the same statements prepare again afterwards', async () => {
    await connection.run('INSERT INTO t (v) VALUES (?)', ['a']);
    await connection.all('SELECT v FROM t WHERE id = ?', [1]);
    expect(prepared()).toBe(2);

    await connection.releaseMemory();

    expect(prepared()).toBe(0);
    await connection.run('INSERT INTO t (v) VALUES (?)', ['b']);
    expect(await connection.all('SELECT v FROM t WHERE id = ?', [2])).toEqual([{ v: 'b' }]);
    expect(prepared()).toBe(2);
  });

  it('shrinks the page cache without changing its configured size or the data', async () => {
    await connection.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t (v) SELECT printf('%0100d', i) FROM n");
    await connection.releaseMemory();
    expect(await connection.all('PRAGMA cache_size')).toEqual([{ cache_size: -2000 }]);
    expect(await connection.all('SELECT count(*) AS n FROM t')).toEqual([{ n: 2000 }]);
  });
});
