import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A fixture only: the plan is read from the bytecode real SQLite compiles, not from hand-written opcodes.
import sqlite3 from 'sqlite3';
import { Instruction, StatementPlan, planFromInstructions } from './statement-plan';

describe('planFromInstructions on real EXPLAIN output', () => {
  let dir: string;
  let db: sqlite3.Database;

  const explain = (sql: string) =>
    new Promise<Instruction[]>((resolve, reject) => db.all(`EXPLAIN ${sql}`, (error: Error | null, rows: Instruction[]) => (error ? reject(error) : resolve(rows))));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'statement-plan-'));
    db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(join(dir, 'plan.db'), (error) => (error ? reject(error) : resolve(handle)));
    });
    await new Promise<void>((resolve, reject) => db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)', (error) => (error ? reject(error) : resolve())));
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
    await rm(dir, { recursive: true, force: true });
  });

  const writes: StatementPlan = { returnsRows: false, readOnly: false, changesSchema: false, controlsTransaction: false, outsideTransaction: false };
  const reads = { ...writes, returnsRows: true, readOnly: true };
  const writesReturningRows = { ...writes, returnsRows: true };
  const changesSchema = { ...writes, changesSchema: true };
  const controlsTransaction = { ...writes, controlsTransaction: true };
  /** Writes no page but changes the connection or the file, so it is not read-only and runs on the writer. */
  const changesState = writes;

  it.each<[string, StatementPlan]>([
    ['SELECT * FROM t WHERE id = 1', reads],
    ['WITH c AS (SELECT id FROM t) SELECT * FROM c', reads],
    ['PRAGMA table_info(t)', reads],
    ['PRAGMA foreign_keys', reads],
    ["INSERT INTO t (name) VALUES ('a')", writes],
    ["INSERT INTO t (name) VALUES ('a') RETURNING id", writesReturningRows],
    ['CREATE TABLE u (x INTEGER)', changesSchema],
    ['PRAGMA user_version=3', changesSchema],
    ['PRAGMA journal_mode=DELETE', { ...changesState, returnsRows: true }],
    ['PRAGMA foreign_keys=ON', changesState],
    ['VACUUM', { ...changesState, outsideTransaction: true }],
    ['BEGIN', controlsTransaction],
    ['COMMIT', controlsTransaction],
    ['ROLLBACK', controlsTransaction],
    ['SAVEPOINT x', controlsTransaction],
    ['RELEASE x', controlsTransaction],
  ])('%s', async (sql, expected) => {
    const { rowBound: _bound, ...plan } = planFromInstructions(await explain(sql));
    expect(plan).toEqual(expected);
  });

  describe('row bound', () => {
    const all = (sql: string) =>
      new Promise<unknown[]>((resolve, reject) => db.all(sql, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))));

    beforeAll(async () => {
      await all('CREATE TABLE IF NOT EXISTS w (a TEXT PRIMARY KEY, b INTEGER) WITHOUT ROWID');
      await all('CREATE INDEX IF NOT EXISTS t_name ON t (name)');
      for (let i = 1; i <= 30; i++) await all(`INSERT OR IGNORE INTO t (id, name) VALUES (${i}, 'n${i % 3}')`);
      await all("INSERT OR IGNORE INTO w VALUES ('x', 1), ('y', 2)");
    });

    it.each<[string, number]>([
      ['SELECT * FROM t WHERE id = 7', 1],
      ['SELECT name FROM t WHERE id = 7', 1],
      ['SELECT 1', 1],
      ["SELECT 'a' AS x, 2 AS y", 1],
      ["SELECT * FROM w WHERE a = 'x'", 1],
      ['SELECT * FROM t WHERE id = 1 UNION ALL SELECT * FROM t WHERE id = 2', 2],
      ['SELECT * FROM t a JOIN t b ON a.id = b.id WHERE a.id = 1', 1],
    ])('bounds a loop-free read: %s (at most %d)', async (sql, bound) => {
      expect(planFromInstructions(await explain(sql)).rowBound).toBe(bound);
    });

    it.each([
      'SELECT * FROM t',
      'SELECT * FROM t WHERE id IN (1, 2, 3)',
      "SELECT * FROM t WHERE name = 'n1'",
      'SELECT count(*) FROM t',
      'SELECT (SELECT count(*) FROM t)',
      'SELECT * FROM t WHERE id > 3 LIMIT 1',
      'SELECT * FROM t WHERE id = 1 OR id = 2',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT * FROM c',
      'SELECT * FROM (SELECT * FROM t ORDER BY name LIMIT 3)',
      'PRAGMA table_info(t)',
      "INSERT INTO t (name) VALUES ('r') RETURNING id",
      'SELECT * FROM w',
    ])('gives no bound to what may loop: %s', async (sql) => {
      expect(planFromInstructions(await explain(sql)).rowBound).toBeUndefined();
    });

    it('never bounds a statement below the rows it really yields', async () => {
      const statements = [
        'SELECT * FROM t WHERE id = 7',
        'SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3',
        'SELECT * FROM t WHERE id = 1 UNION ALL SELECT * FROM t WHERE id = 2 UNION ALL SELECT * FROM t WHERE id = 3',
        "SELECT * FROM w WHERE a = 'y'",
        'SELECT * FROM t WHERE id = 100',
        "VALUES (1), (2), (3), (4)",
        'SELECT * FROM t a JOIN t b ON a.id = b.id WHERE a.id = 1',
        'SELECT * FROM t WHERE id BETWEEN 2 AND 9',
        'SELECT * FROM t LIMIT 12',
        'SELECT DISTINCT name FROM t',
        'SELECT name, count(*) FROM t GROUP BY name',
      ];
      const checked = [];
      for (const sql of statements) {
        const bound = planFromInstructions(await explain(sql)).rowBound;
        const rows = (await all(sql)).length;
        checked.push({ sql, sound: bound === undefined || rows <= bound });
      }
      expect(checked).toEqual(statements.map((sql) => ({ sql, sound: true })));
    });
  });
});
