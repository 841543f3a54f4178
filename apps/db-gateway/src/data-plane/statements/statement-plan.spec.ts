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
    expect(planFromInstructions(await explain(sql))).toEqual(expected);
  });
});
