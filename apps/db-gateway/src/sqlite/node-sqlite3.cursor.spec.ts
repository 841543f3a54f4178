import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { DatabasePool } from '../data-plane/pool/database-pool';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { RowCursor, SqliteConnection, SqliteRow } from './sqlite.port';

const ROWS = 3000;

/** Every batch of a cursor, read to the end with `maxRows` a batch (the byte budget out of the way). */
async function batches(cursor: RowCursor, maxRows: number, maxBytes = 1 << 30): Promise<SqliteRow[][]> {
  const all: SqliteRow[][] = [];
  try {
    for (let batch = await cursor.next(maxRows, maxBytes); batch.length > 0; batch = await cursor.next(maxRows, maxBytes)) all.push(batch);
  } finally {
    await cursor.close();
  }
  return all;
}

/**
 * The cursor steps its statement a batch per trip (the SQLite guard's dbforge_stream_batch) after a
 * first `get()`: what it hands out must be, batch for batch, what the statement itself returns.
 */
describe('NodeSqlite3 cursor (batches)', () => {
  let dir: string;
  let writer: SqliteConnection;
  let reader: SqliteConnection;
  const driver = new NodeSqlite3Driver();
  const options = { busyTimeoutMs: 1000, synchronous: 'NORMAL' as const };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cursor-batches-'));
    writer = await driver.open(join(dir, 'c.db'), { ...options, readOnly: false, create: true });
    await writer.exec(
      `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${ROWS})
       INSERT INTO t SELECT x, 'row ' || x || ' “ü”', x / 3.0, CASE WHEN x % 3 = 0 THEN randomblob(x % 17) WHEN x % 3 = 1 THEN NULL ELSE x'' END FROM c`,
    );
    reader = await driver.open(join(dir, 'c.db'), { ...options, readOnly: true });
  });

  afterAll(async () => {
    await reader.close();
    await writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([0, 1, 2, 4, 5, 6, 10, 11, 511, 512, 513, 1023, 1024, 1025])('hands out %i rows in full batches, in order, then none', async (count) => {
    for (const size of [5, 512]) {
      const got = await batches(reader.cursor('SELECT id FROM t WHERE id <= ? ORDER BY id', [count]), size);
      expect(got.map((batch) => batch.length)).toEqual([...Array.from({ length: Math.floor(count / size) }, () => size), ...(count % size ? [count % size] : [])]);
      expect(got.flat().map((row) => row.id)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    }
  });

  it('steps a batch in one trip to the thread pool: one get() for the first row, one all() a batch', async () => {
    const gets = jest.spyOn(sqlite3.Statement.prototype, 'get');
    const alls = jest.spyOn(sqlite3.Statement.prototype, 'all');
    try {
      const got = await batches(reader.cursor('SELECT id, name FROM t ORDER BY id LIMIT 2000'), 512);
      expect(got.map((batch) => batch.length)).toEqual([512, 512, 512, 464]);
      expect(gets).toHaveBeenCalledTimes(1);
      expect(alls).toHaveBeenCalledTimes(1 + 4 + 1); // the column names, a batch each, one more that finds the end
    } finally {
      gets.mockRestore();
      alls.mockRestore();
    }
  });

  it('hands out the values a plain read returns: integers past 2^53, reals, text, BLOBs, NULL', async () => {
    const sql = "SELECT id, name, score, data, 9007199254740993 AS big, -0.0 AS negative_zero, 1e308 * 10 AS infinite, '' AS empty FROM t ORDER BY id";
    const expected = await reader.all(sql);
    const got = (await batches(reader.cursor(sql), 512)).flat();
    expect(got).toHaveLength(ROWS);
    expect(got).toEqual(expected);
    expect(Buffer.isBuffer(got[2].data)).toBe(true);
  });

  it('names columns as the statement does, a repeated name keeping its last column, odd names too', async () => {
    const sql = 'SELECT id AS a, name AS a, id AS "say ""hi""", id AS "a,b;--", id AS "ü", score FROM t ORDER BY id LIMIT 700';
    const expected = await reader.all(sql);
    expect(Object.keys(expected[0])).toEqual(['a', 'say "hi"', 'a,b;--', 'ü', 'score']);
    expect((await batches(reader.cursor(sql), 300)).flat()).toEqual(expected);
  });

  it.each([
    ['a comment before it', '-- the ids\nSELECT id FROM t WHERE id <= 600 ORDER BY id'],
    ['a semicolon and a comment after it', 'SELECT id FROM t WHERE id <= 600 ORDER BY id;  -- done'],
    ['a semicolon and spaces after it', 'SELECT id FROM t WHERE id <= 600 ORDER BY id ;\n '],
    ["the batch function's name in a literal (then row by row)", "SELECT id, 'dbforge_stream_batch' AS word FROM t WHERE id <= 600 ORDER BY id"],
  ])('finds its statement again with %s', async (_, sql) => {
    const got = await batches(reader.cursor(sql), 512);
    expect(got.map((batch) => batch.length)).toEqual([512, 88]);
    expect(got.flat().map((row) => row.id)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
  });

  it('binds positional and named values', async () => {
    expect((await batches(reader.cursor('SELECT id FROM t WHERE id BETWEEN ? AND ?', [10, 700]), 100)).flat()).toHaveLength(691);
    expect((await batches(reader.cursor('SELECT id FROM t WHERE id > $from', { $from: ROWS - 600 }), 100)).flat()).toHaveLength(600);
  });

  it('runs the same statement again from the start after a cursor on it was closed part-way', async () => {
    const sql = 'SELECT id FROM t ORDER BY id';
    const first = reader.cursor(sql);
    expect(await first.next(5, 1 << 20)).toHaveLength(5);
    expect((await first.next(512, 1 << 20))[0]).toEqual({ id: 6 });
    await first.close();
    const again = (await batches(reader.cursor(sql), 512)).flat();
    expect(again).toHaveLength(ROWS);
    expect(again[0]).toEqual({ id: 1 });
  });

  it('stops a batch once its rows pass the byte budget, always with at least one row', async () => {
    const cursor = reader.cursor('SELECT id, zeroblob(100000) AS b FROM t ORDER BY id LIMIT 50');
    const sizes = (await batches(cursor, 100, 250_000)).map((batch) => batch.length);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(50);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    const huge = reader.cursor('SELECT id, zeroblob(100000) AS b FROM t ORDER BY id LIMIT 3');
    expect((await batches(huge, 100, 10)).map((batch) => batch.length)).toEqual([1, 1, 1]);
  });

  it.each([
    ['on the first row', 1, 0],
    ['in the first batch, on its second row', 2, 0],
    ['on a later batch', 1500, 1024],
    ['on the first row of a batch', 1025, 1024],
    ['on the last row of a batch', 1024, 512],
  ])('reports an error met %s, keeping the batches before it, then hands out nothing', async (_, failing, kept) => {
    const cursor = reader.cursor(`SELECT CASE WHEN id = ${failing} THEN json('bad') ELSE id END AS v FROM t ORDER BY id`);
    const rows: SqliteRow[] = [];
    let failure: unknown;
    try {
      for (let batch = await cursor.next(512, 1 << 20); batch.length > 0; batch = await cursor.next(512, 1 << 20)) rows.push(...batch);
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'SQLITE_ERROR', message: 'malformed JSON' });
    // The first batch is its first row (get) and the rest of the batch: an error there loses both.
    expect(rows.length).toBe(kept);
    expect(rows.map((row) => row.v)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    await expect(cursor.next(512, 1 << 20)).resolves.toEqual([]);
    await cursor.close();
    expect(await reader.all('SELECT count(*) AS n FROM t')).toEqual([{ n: ROWS }]);
  });

  it('streams a statement with more columns than a batch holds, row by row', async () => {
    const columns = Array.from({ length: 1999 }, (_, i) => `id + ${i} AS c${i}`).join(', ');
    const got = (await batches(reader.cursor(`SELECT ${columns} FROM t ORDER BY id LIMIT 600`), 512)).flat();
    expect(got).toHaveLength(600);
    expect(got[599].c1998).toBe(600 + 1998);
  });

  it('streams the widest statement a batch holds in batches', async () => {
    const columns = Array.from({ length: 1997 }, (_, i) => `id + ${i} AS c${i}`).join(', ');
    const got = await batches(reader.cursor(`SELECT ${columns} FROM t ORDER BY id LIMIT 600`), 512);
    expect(got.map((batch) => batch.length)).toEqual([512, 88]);
    expect(got[1][87].c1996).toBe(600 + 1996);
  });

  it('streams an EXPLAIN listing', async () => {
    const expected = await reader.all('EXPLAIN SELECT * FROM t WHERE id > 5');
    expect((await batches(reader.cursor('EXPLAIN SELECT * FROM t WHERE id > 5'), 3)).flat()).toEqual(expected);
  });

  it('is one snapshot from the first batch to the last', async () => {
    const cursor = reader.cursor('SELECT id FROM t ORDER BY id');
    expect(await cursor.next(10, 1 << 20)).toHaveLength(10);
    await writer.run("INSERT INTO t (name) VALUES ('late')");
    const rest = (await batches(cursor, 512)).flat();
    expect(rest).toHaveLength(ROWS - 10);
    await writer.run("DELETE FROM t WHERE name = 'late'");
  });

  describe('dbforge_stream_batch, asked for by a statement', () => {
    it.each([
      ["SELECT * FROM dbforge_stream_batch('SELECT id FROM t', 5, 1000)", []],
      ['SELECT * FROM dbforge_stream_batch(?, 5, 1000)', ['SELECT * FROM dbforge_stream_batch(?, 5, 1000)']],
      ['SELECT c0 FROM dbforge_stream_batch(?1, 5, 1000), dbforge_stream_batch(?1, 5, 1000)', ['SELECT id FROM t']],
      ['SELECT * FROM dbforge_stream_batch', []],
      ["SELECT dbforge_stream_columns('SELECT id FROM t')", []],
    ])('steps no statement that is not paused on a row: %s', async (sql, bindings) => {
      await expect(reader.all(sql, bindings)).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    });

    it('is refused inside a view', async () => {
      await writer.exec("CREATE VIEW batch_view AS SELECT * FROM dbforge_stream_batch('SELECT 1', 1, 1)");
      try {
        await expect(writer.all('SELECT * FROM batch_view')).rejects.toMatchObject({ message: expect.stringMatching(/unsafe use of virtual table/) });
      } finally {
        await writer.exec('DROP VIEW batch_view');
      }
    });
  });
});

describe('NodeSqlite3 cursor under the statement timeout', () => {
  let dir: string;
  let sut: DatabasePool;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cursor-timeout-'));
    sut = new DatabasePool('slow', join(dir, 'slow.db'), new NodeSqlite3Driver(), { readers: 1, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 300 });
    await sut.open({ create: true });
  });

  afterEach(async () => {
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('interrupts a batch that runs past the timeout, not the cursor that lives longer; the reader then serves reads', async () => {
    // Rows 1 to 1000 come at once; then no row for ever.
    const cursor = await sut.cursor((connection) => connection.cursor('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n WHERE i <= 1000 OR i < 0'));
    expect(await cursor.next(512, 1 << 20)).toHaveLength(512);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the cursor outlives the timeout between batches
    expect(await cursor.next(488, 1 << 20)).toHaveLength(488);
    const started = Date.now();
    await expect(cursor.next(512, 1 << 20)).rejects.toMatchObject({ code: 'SQLITE_INTERRUPT', message: expect.stringContaining('300 ms') });
    expect(Date.now() - started).toBeLessThan(5000);
    await cursor.close();
    expect(await sut.read((connection) => connection.all('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });
});
