import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { WriteBatcher } from './write-batcher';

describe('WriteBatcher (group commit) on a real SQLite file', () => {
  let dir: string;
  let connection: SqliteConnection;
  let sut: WriteBatcher;
  const executed: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'write-batcher-'));
    connection = await new NodeSqlite3Driver().open(join(dir, 'w.db'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
    await connection.exec('CREATE TABLE t (v TEXT UNIQUE NOT NULL)');
    executed.length = 0;
    // Records every SQL the batcher sends, so batching is visible.
    const recording = new Proxy(connection, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'exec' || property === 'run') return (sql: string, ...rest: unknown[]) => (executed.push(sql), (value as (...a: unknown[]) => unknown).call(target, sql, ...rest));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    sut = new WriteBatcher(async () => recording, (conn, task) => task(conn));
  });

  afterEach(async () => {
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (v: string | null) => (conn: SqliteConnection) => conn.run('INSERT INTO t (v) VALUES (?)', [v]);
  const values = async () => (await connection.all('SELECT v FROM t ORDER BY rowid')).map((row) => row.v);

  it('commits writes that queue up together in one transaction, in order', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((v) => sut.submit(insert(v), 'statement')));
    expect(results.map((result) => result.changes)).toEqual([1, 1, 1, 1]);
    expect(await values()).toEqual(['a', 'b', 'c', 'd']);
    // The first runs alone; the three that queued meanwhile share one BEGIN ... COMMIT.
    expect(executed.filter((sql) => sql === 'BEGIN IMMEDIATE')).toHaveLength(1);
    expect(executed.filter((sql) => sql === 'COMMIT')).toHaveLength(1);
  });

  it('rolls back only the failing write of a batch', async () => {
    const outcomes = await Promise.allSettled([sut.submit(insert('x'), 'statement'), sut.submit(insert('y'), 'statement'), sut.submit(insert('y'), 'statement'), sut.submit(insert('z'), 'statement')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await values()).toEqual(['x', 'y', 'z']);
  });

  it('keeps a multi-statement write all-or-nothing inside a batch (savepoint)', async () => {
    const pair = (first: string, second: string | null) => async (conn: SqliteConnection) => {
      await insert(first)(conn);
      await insert(second)(conn);
    };
    const outcomes = await Promise.allSettled([
      sut.submit(insert('solo'), 'statement'),
      sut.submit(pair('p1', 'p2'), 'transaction'),
      sut.submit(pair('q1', null), 'transaction'),
      sut.submit(insert('after'), 'statement'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await values()).toEqual(['solo', 'p1', 'p2', 'after']);
  });

  it('runs again, alone, the writes of a batch whose transaction a failing statement rolled back', async () => {
    // INSERT OR ROLLBACK on a conflict rolls back the whole transaction, not just the statement.
    const rogue = (conn: SqliteConnection) => conn.run("INSERT OR ROLLBACK INTO t (v) VALUES ('first')");
    const outcomes = await Promise.allSettled([
      sut.submit(insert('first'), 'statement'),
      sut.submit(insert('m1'), 'statement'),
      sut.submit(rogue, 'statement'),
      sut.submit(insert('m2'), 'statement'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await values()).toEqual(['first', 'm2', 'm1']);
  });

  it('runs an exclusive write alone, outside any transaction', async () => {
    const outcomes = await Promise.allSettled([
      sut.submit(insert('v1'), 'statement'),
      sut.submit(insert('v2'), 'statement'),
      sut.submit((conn) => conn.vacuum('VACUUM'), 'exclusive'),
      sut.submit(insert('v3'), 'statement'),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await values()).toEqual(['v1', 'v2', 'v3']);
  });

  describe('a held writer (an interactive transaction)', () => {
    const holding = (release: Promise<void>) => async (conn: SqliteConnection) => {
      await conn.exec('BEGIN IMMEDIATE');
      await conn.run("INSERT INTO t (v) VALUES ('held')");
      await release;
      await conn.exec('COMMIT');
    };

    it('runs alone: writes queued behind it wait, then commit after it, none joins its transaction', async () => {
      let release!: () => void;
      const held = sut.submit(holding(new Promise<void>((resolve) => (release = resolve))), 'held');
      const queued = [sut.submit(insert('after-1'), 'statement'), sut.submit(insert('after-2'), 'statement')];
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Another connection sees nothing committed while the holder has the writer.
      const other = await new NodeSqlite3Driver().open(join(dir, 'w.db'), { readOnly: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
      expect(await other.all('SELECT v FROM t')).toEqual([]);
      await other.close();
      release();
      await held;
      await Promise.all(queued);
      expect(await values()).toEqual(['held', 'after-1', 'after-2']);
    });

    it('bounds the wait of writes behind it, which leave the queue without running', async () => {
      sut = new WriteBatcher(async () => connection, (conn, task) => task(conn), async () => undefined, 100);
      let release!: () => void;
      const held = sut.submit(holding(new Promise<void>((resolve) => (release = resolve))), 'held');
      const waiting = sut.submit(insert('too late'), 'statement');
      await expect(waiting).rejects.toThrow(/held the database's writer for the 100 ms/);
      release();
      await held;
      await sut.submit(insert('later'), 'statement');
      expect(await values()).toEqual(['held', 'later']);
    });

    it('rolls back what a holder left open, so the next writes are not swallowed by it', async () => {
      await sut.submit(async (conn) => {
        await conn.exec('BEGIN IMMEDIATE');
        await conn.run("INSERT INTO t (v) VALUES ('abandoned')");
      }, 'held');
      await sut.submit(insert('next'), 'statement');
      expect(await values()).toEqual(['next']);
    });
  });
});
