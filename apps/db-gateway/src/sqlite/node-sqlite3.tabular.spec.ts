import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { SqliteConnection, SqliteError } from './sqlite.port';

/** Results as tables (the libSQL protocol's shape): every column in order, rows as lists, on real SQLite files. */
describe('NodeSqlite3 connection: tabular results', () => {
  let dir: string;
  let db: SqliteConnection;
  const driver = new NodeSqlite3Driver();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tabular-'));
    db = await driver.open(join(dir, 't.db'), { busyTimeoutMs: 1000, synchronous: 'NORMAL', readOnly: false, create: true });
    await db.exec(`CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c);
      WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) INSERT INTO t SELECT x, 'row ' || x, x / 4.0 FROM n;
      CREATE TABLE empty (x INTEGER, y TEXT)`);
  });

  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps repeated and number-like column names, in order', async () => {
    const result = await db.tabular(`SELECT 1 AS a, 2 AS a, 'x' AS b, 3 AS "0", 4 AS "1"`);
    expect(result.columns.map((column) => column.name)).toEqual(['a', 'a', 'b', '0', '1']);
    expect(result.rows).toEqual([[1, 2, 'x', 3, 4]]);
  });

  it('gives columns and declared types of an empty result', async () => {
    expect(await db.tabular('SELECT x, y, x + 1 AS z FROM empty')).toEqual({
      columns: [
        { name: 'x', decltype: 'INTEGER' },
        { name: 'y', decltype: 'TEXT' },
        { name: 'z', decltype: null },
      ],
      rows: [],
    });
  });

  it('returns every value type, and all rows in order', async () => {
    const values = await db.tabular('SELECT NULL, 7, 2.5, ?, x\'00ff\'', ['text']);
    expect(values.rows).toEqual([[null, 7, 2.5, 'text', Buffer.from([0, 255])]]);
    const all = await db.tabular('SELECT a, b FROM t ORDER BY a');
    expect(all.rows).toHaveLength(1000);
    expect(all.rows.map((row) => row[0])).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(all.rows[999]).toEqual([1000, 'row 1000']);
  });

  it('keeps rows within the limits plus one, by count and by size', async () => {
    expect((await db.tabular('SELECT a FROM t', [], { maxRows: 2, maxBytes: 1 << 20 })).rows).toHaveLength(3);
    const bySize = await db.tabular('SELECT b FROM t', [], { maxRows: 10_000, maxBytes: 100 });
    expect(bySize.rows.length).toBeGreaterThan(1);
    expect(bySize.rows.length).toBeLessThan(10);
  });

  it('binds positional and named parameters', async () => {
    expect((await db.tabular('SELECT b FROM t WHERE a = ?', [5])).rows).toEqual([['row 5']]);
    expect((await db.tabular('SELECT b FROM t WHERE a = :a', { ':a': 6 })).rows).toEqual([['row 6']]);
  });

  it('runs writes once, with or without RETURNING', async () => {
    const returned = await db.tabular("INSERT INTO empty VALUES (1, 'one'), (2, 'two') RETURNING x, y");
    expect(returned.rows).toEqual([[1, 'one'], [2, 'two']]);
    expect(await db.tabular("INSERT INTO empty VALUES (3, 'three')")).toEqual({ columns: [], rows: [] });
    expect((await db.all('SELECT count(*) AS n FROM empty'))[0].n).toBe(3);
  });

  it('reuses the statement: the same text twice, and a plain read in between', async () => {
    const sql = 'SELECT a FROM t WHERE a <= 3 ORDER BY a';
    expect((await db.tabular(sql)).rows).toEqual([[1], [2], [3]]);
    expect(await db.all(sql)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect((await db.tabular(sql)).rows).toEqual([[1], [2], [3]]);
  });

  it("fails with SQLite's error", async () => {
    await expect(db.tabular('SELECT * FROM missing')).rejects.toEqual(new SqliteError('SQLITE_ERROR', 'no such table: missing'));
    await expect(db.tabular('SELECT a FROM t WHERE a = 1 + ?', ['x', 'y'])).rejects.toBeInstanceOf(SqliteError);
  });
});
