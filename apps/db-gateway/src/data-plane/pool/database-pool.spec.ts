import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { FILE_MISSING, SqliteConnection, SqliteError } from '../../sqlite/sqlite.port';
import { bindStatement } from '../statements/bound-statement';
import { DatabasePool, WARM_AFTER_OPERATIONS } from './database-pool';
import { DatabaseClosedError } from './database-closed.error';

const planned = (sql: string) => bindStatement(sql, undefined);

const walSize = (file: string): number => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
const countRows = async (connection: SqliteConnection): Promise<number> => Number((await connection.all('SELECT count(*) AS n FROM t'))[0].n);

describe('DatabasePool', () => {
  let dir: string;
  let file: string;
  let sut: DatabasePool;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'database-pool-'));
    file = join(dir, 'shop.db');
    sut = new DatabasePool('shop', file, new NodeSqlite3Driver(), { readers: 2, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 0 });
    await sut.open({ create: true });
  });

  afterEach(async () => {
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });

  const createTable = () => sut.write((connection) => connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'));

  it('creates the database file in WAL mode on open({ create: true }), and never otherwise', async () => {
    expect(existsSync(file)).toBe(true);
    await expect(sut.read((connection) => connection.all('PRAGMA journal_mode'))).resolves.toEqual([{ journal_mode: 'wal' }]);
    const missing = join(dir, 'missing.db');
    const other = new DatabasePool('missing', missing, new NodeSqlite3Driver(), { readers: 1, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 0 });
    try {
      await expect(other.open()).rejects.toMatchObject({ code: FILE_MISSING });
      await expect(other.read((connection) => connection.all('SELECT 1'))).rejects.toMatchObject({ code: FILE_MISSING });
      await expect(other.write((connection) => connection.exec('CREATE TABLE t (v)'))).rejects.toMatchObject({ code: FILE_MISSING });
      await expect(other.plan(planned('SELECT 1'))).rejects.toMatchObject({ code: FILE_MISSING });
      expect(existsSync(missing)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('lands every one of many concurrent writes', async () => {
    await createTable();
    // Each write has several steps that must not interleave with another write's (one writer connection).
    const insert = (i: number) =>
      sut.write(async (connection) => {
        await connection.run('INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
        const [{ n }] = await connection.all('SELECT count(*) AS n FROM t WHERE v = ?', [`row ${i}`]);
        if (n !== 1) throw new Error(`row ${i} seen ${String(n)} times`);
      }, 'transaction');
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => insert(i)));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(await sut.read(countRows)).toBe(200);
    expect(sut.writeQueueDepth).toBe(0);
  });

  it('serves reads of committed data while a write is in progress', async () => {
    await createTable();
    await sut.write((connection) => connection.run("INSERT INTO t (v) VALUES ('committed')"));
    let finishWrite!: () => void;
    const writeHeld = new Promise<void>((resolve) => (finishWrite = resolve));
    let writeStarted!: () => void;
    const started = new Promise<void>((resolve) => (writeStarted = resolve));
    const write = sut.write(async (connection) => {
      await connection.exec("BEGIN IMMEDIATE; INSERT INTO t (v) VALUES ('uncommitted')");
      writeStarted();
      await writeHeld;
      await connection.exec('COMMIT');
    });
    await started;

    // Resolves while the writer holds its transaction open: reads do not wait for the writer queue.
    await expect(sut.read(countRows)).resolves.toBe(1);
    expect(sut.writeQueueDepth).toBe(1);

    finishWrite();
    await write;
    expect(await sut.read(countRows)).toBe(2);
  });

  it('gives reads a read-only connection', async () => {
    await createTable();
    const attempt = sut.read((connection) => connection.run("INSERT INTO t (v) VALUES ('x')"));
    await expect(attempt).rejects.toBeInstanceOf(SqliteError);
    await expect(attempt).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    expect(await sut.read(countRows)).toBe(0);
  });

  it('refuses ATTACH, so no statement reaches another file', async () => {
    const other = join(dir, 'other.db');
    // The SQLite guard refuses it first; the connection's ATTACH limit of 0 stands behind it.
    await expect(sut.write((connection) => connection.exec(`ATTACH DATABASE '${other}' AS other`))).rejects.toMatchObject({
      code: 'SQLITE_AUTH',
      message: expect.stringContaining('not authorized'),
    });
    await expect(sut.read((connection) => connection.all(`ATTACH DATABASE '${other}' AS other`))).rejects.toBeInstanceOf(SqliteError);
    expect(existsSync(other)).toBe(false);
  });

  it('enforces foreign keys', async () => {
    await sut.write((connection) =>
      connection.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))'),
    );
    await expect(sut.write((connection) => connection.run('INSERT INTO child VALUES (42)'))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    await expect(sut.read((connection) => connection.all('PRAGMA foreign_keys'))).resolves.toEqual([{ foreign_keys: 1 }]);
  });

  it('checkpoints the WAL into the database file on close, then refuses operations', async () => {
    await createTable();
    await sut.write((connection) => connection.run("INSERT INTO t (v) VALUES ('kept')"));
    expect(walSize(file)).toBeGreaterThan(0);

    await sut.close();

    expect(walSize(file)).toBe(0);
    await expect(sut.read(countRows)).rejects.toBeInstanceOf(DatabaseClosedError);
    await expect(sut.write(countRows)).rejects.toBeInstanceOf(DatabaseClosedError);
    const reopened = new DatabasePool('shop', file, new NodeSqlite3Driver(), { readers: 1, busyTimeoutMs: 1000, synchronous: 'FULL', statementTimeoutMs: 0 });
    try {
      expect(await reopened.read(countRows)).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  it('waits for running operations before closing', async () => {
    await createTable();
    const slowWrite = sut.write(async (connection) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return connection.run("INSERT INTO t (v) VALUES ('late')");
    });
    await sut.close();
    await expect(slowWrite).resolves.toEqual({ changes: 1, lastInsertId: 1 });
  });

  describe('plan', () => {
    it('reads the plan from SQLite and caches it per statement text', async () => {
      await createTable();
      const first = await sut.plan(planned('SELECT * FROM t'));
      expect(first).toEqual({ returnsRows: true, readOnly: true, changesSchema: false, controlsTransaction: false, outsideTransaction: false });
      expect(await sut.plan(planned('SELECT * FROM t'))).toBe(first);
      expect(await sut.plan(planned("INSERT INTO t (v) VALUES ('x')"))).toMatchObject({ readOnly: false, returnsRows: false });
    });

    it('does not cache a statement SQLite rejects', async () => {
      await expect(sut.plan(planned('SELECT * FROM t'))).rejects.toMatchObject({ message: 'no such table: t' });
      await createTable();
      await expect(sut.plan(planned('SELECT * FROM t'))).resolves.toMatchObject({ readOnly: true });
    });

    it('answers for EXPLAIN without asking SQLite', async () => {
      await expect(sut.plan(planned('EXPLAIN SELECT * FROM missing'))).resolves.toEqual({
        returnsRows: true,
        readOnly: true,
        changesSchema: false,
        controlsTransaction: false,
        outsideTransaction: false,
      });
    });
  });
});

describe('DatabasePool when a reader cannot be opened', () => {
  it('fails the read and lets the reads queued behind it try again, instead of hanging them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'database-pool-open-'));
    const real = new NodeSqlite3Driver();
    let failures = 1;
    const flaky = {
      open: (file: string, options: Parameters<NodeSqlite3Driver['open']>[1]) => {
        if (options.readOnly && failures-- > 0) return Promise.reject(new SqliteError('SQLITE_CANTOPEN', 'unable to open database file'));
        return real.open(file, options);
      },
    } as NodeSqlite3Driver;
    const sut = new DatabasePool('flaky', join(dir, 'f.db'), flaky, { readers: 1, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 0 });
    await sut.open({ create: true });
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => sut.read((connection) => connection.all('SELECT 1 AS one'))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('DatabasePool statement timeout and reader exclusivity', () => {
  const ENDLESS = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) AS c FROM n';
  let dir: string;
  let sut: DatabasePool;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'database-pool-timeout-'));
    sut = new DatabasePool('slow', join(dir, 'slow.db'), new NodeSqlite3Driver(), { readers: 2, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 300 });
    await sut.open({ create: true });
  });

  afterEach(async () => {
    await sut.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('interrupts a read that runs past the timeout, and the pool keeps working', async () => {
    const started = Date.now();
    await expect(sut.read((connection) => connection.all(ENDLESS))).rejects.toMatchObject({ code: 'SQLITE_INTERRUPT', message: expect.stringContaining('300 ms') });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await sut.read((connection) => connection.all('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('interrupts a write that runs past the timeout; the next write runs', async () => {
    await sut.write((connection) => connection.exec('CREATE TABLE t (v INTEGER)'));
    await expect(sut.write((connection) => connection.run(`INSERT INTO t ${ENDLESS}`))).rejects.toMatchObject({ code: 'SQLITE_INTERRUPT' });
    await sut.write((connection) => connection.run('INSERT INTO t VALUES (1)'));
    expect(await sut.read((connection) => connection.all('SELECT count(*) AS c FROM t'))).toEqual([{ c: 1 }]);
  });

  it('runs one task per reader: a third read waits instead of sharing, and is not cut by a neighbour timing out', async () => {
    const slow = [sut.read((connection) => connection.all(ENDLESS)), sut.read((connection) => connection.all(ENDLESS))];
    const quick = sut.read((connection) => connection.all('SELECT 2 AS two'));
    await expect(Promise.allSettled(slow)).resolves.toEqual([
      expect.objectContaining({ status: 'rejected' }),
      expect.objectContaining({ status: 'rejected' }),
    ]);
    expect(await quick).toEqual([{ two: 2 }]);
  });

  it('reports a failure that happens after rows were produced, when reading with a row cap', async () => {
    const overflow = 'SELECT i, abs(-9223372036854775807 - i) AS a FROM (SELECT 0 AS i UNION ALL SELECT 1)';
    await expect(sut.read((connection) => connection.all(overflow, [], { maxRows: 10, maxBytes: 1 << 20 }))).rejects.toMatchObject({ message: 'integer overflow' });
  });

  it('never loses the failure of a capped read (node-sqlite3 may report completion before the error)', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 400 }, () => sut.read((connection) => connection.all('SELECT abs(-9223372036854775807 - 1)', [], { maxRows: 10, maxBytes: 1 << 20 }))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toEqual([]);
  });

  it('stops an endless result once the cap is reached, instead of filling memory', async () => {
    const rows = await sut.read((connection) => connection.all(ENDLESS.replace('count(*) AS c', 'i'), [], { maxRows: 10, maxBytes: 1 << 20 }));
    expect(rows.map((row) => row.i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await sut.read((connection) => connection.all('SELECT 3 AS three'))).toEqual([{ three: 3 }]);
  });

  it('stops once the rows pass the byte budget, keeping the one that passed it', async () => {
    const rows = await sut.read((connection) => connection.all("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i, zeroblob(300000) AS b FROM n", [], { maxRows: 1000, maxBytes: 1_000_000 }));
    expect(rows.map((row) => row.i)).toEqual([1, 2, 3]);
  });

  it('keeps at most maxRows + 1 rows of a large result', async () => {
    const rows = await sut.read((connection) => connection.all('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) SELECT i FROM n', [], { maxRows: 10, maxBytes: 1 << 20 }));
    expect(rows).toHaveLength(11);
    expect(rows[10]).toEqual({ i: 11 });
  });

  describe('cursor', () => {
    const fill = (rows: number) =>
      sut.write((connection) =>
        connection.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) INSERT INTO t SELECT x, 'v' || x FROM c`),
      );

    it('hands out the rows in batches of at most the size asked, in order, then none', async () => {
      await fill(1000);
      const cursor = await sut.cursor((connection) => connection.cursor('SELECT id FROM t WHERE id > ? ORDER BY id', [10]));
      const sizes: number[] = [];
      const ids: unknown[] = [];
      for (let batch = await cursor.next(300, 1 << 20); batch.length > 0; batch = await cursor.next(300, 1 << 20)) {
        sizes.push(batch.length);
        ids.push(...batch.map((row) => row.id));
      }
      await cursor.close();
      expect(sizes).toEqual([300, 300, 300, 90]);
      expect(ids).toEqual(Array.from({ length: 990 }, (_, i) => i + 11));
    });

    it('stops a batch early once its rows pass the byte budget', async () => {
      await fill(100);
      const cursor = await sut.cursor((connection) => connection.cursor("SELECT id, zeroblob(100000) AS b FROM t ORDER BY id", []));
      const first = await cursor.next(100, 250_000);
      expect(first.length).toBeGreaterThanOrEqual(2);
      expect(first.length).toBeLessThan(10);
      await cursor.close();
    });

    it('holds its reader until closed, then the statement no longer pins an old snapshot', async () => {
      await fill(10);
      const cursor = await sut.cursor((connection) => connection.cursor('SELECT id FROM t ORDER BY id', []));
      expect(await cursor.next(3, 1 << 20)).toHaveLength(3);
      await sut.write((connection) => connection.run("INSERT INTO t (v) VALUES ('late')"));
      expect(await cursor.next(100, 1 << 20)).toHaveLength(7); // the cursor reads its own snapshot
      await cursor.close();
      expect(await sut.read(countRows)).toBe(11);
    });

    it('reports an error met mid-way and stops there', async () => {
      await fill(100);
      const cursor = await sut.cursor((connection) => connection.cursor('SELECT CASE WHEN id < 50 THEN id ELSE abs(-9223372036854775807 - 1) END AS v FROM t ORDER BY id', []));
      expect(await cursor.next(20, 1 << 20)).toHaveLength(20);
      await expect(cursor.next(100, 1 << 20)).rejects.toMatchObject({ message: 'integer overflow' });
      await expect(cursor.next(100, 1 << 20)).resolves.toEqual([]);
      await cursor.close();
    });

    it('closed while a batch is in flight, leaves nothing running on the reader for the next request', async () => {
      await sut.close();
      sut = new DatabasePool('one-reader', join(dir, 'one-reader.db'), new NodeSqlite3Driver(), { readers: 1, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 0 });
      await sut.open({ create: true });
      await fill(2000);
      const cursor = await sut.cursor((connection) => connection.cursor('SELECT a.id FROM t a, t b', []));
      const batch = cursor.next(512, 1 << 20);
      await cursor.close();
      await batch;
      // A capped read interrupts its own statement at the cap; with another statement left running on
      // the connection, SQLite would keep that interrupt for the next statement too.
      for (let i = 0; i < 3; i++) {
        await expect(sut.read((connection) => connection.all('SELECT id FROM t', [], { maxRows: 5, maxBytes: 1 << 20 }))).resolves.toHaveLength(6);
      }
    });

    it('is ended by closing the pool: its next batch fails with DatabaseClosedError and the close does not wait for it', async () => {
      await fill(100);
      const cursor = await sut.cursor((connection) => connection.cursor('SELECT id FROM t', []));
      expect(await cursor.next(10, 1 << 20)).toHaveLength(10);
      await sut.close();
      await expect(cursor.next(10, 1 << 20)).rejects.toBeInstanceOf(DatabaseClosedError);
    });
  });
});

/** The real driver, recording every connection it opens and what the pool asks of each. */
class RecordingDriver extends NodeSqlite3Driver {
  readonly opened: { connection: SqliteConnection; readOnly: boolean; closed: boolean; execs: string[]; releases: number }[] = [];

  override async open(file: string, options: Parameters<NodeSqlite3Driver['open']>[1]): Promise<SqliteConnection> {
    const connection = await super.open(file, options);
    const record = { connection, readOnly: options.readOnly, closed: false, execs: [] as string[], releases: 0 };
    this.opened.push(record);
    const { close, exec, releaseMemory } = connection;
    connection.close = () => {
      record.closed = true;
      return close.call(connection);
    };
    connection.exec = (sql: string) => {
      record.execs.push(sql);
      return exec.call(connection, sql);
    };
    connection.releaseMemory = () => {
      record.releases++;
      return releaseMemory.call(connection);
    };
    return connection;
  }

  get openCount(): number {
    return this.opened.filter((record) => !record.closed).length;
  }
}

describe('DatabasePool connections over time', () => {
  const IDLE_MS = 5000;
  let dir: string;
  let driver: RecordingDriver;
  let sut: DatabasePool;

  /** Lets real I/O (SQLite on the thread pool) run while timers are fake, until `done` holds. */
  const until = async (done: () => boolean): Promise<void> => {
    for (let turns = 0; !done(); turns++) {
      if (turns > 100_000) throw new Error('never happened');
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const held = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    return { gate, release };
  };
  const readOnly = () => driver.opened.filter((record) => record.readOnly);

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    dir = await mkdtemp(join(tmpdir(), 'database-pool-idle-'));
    driver = new RecordingDriver();
    sut = new DatabasePool('idle', join(dir, 'idle.db'), driver, { readers: 3, busyTimeoutMs: 1000, synchronous: 'NORMAL', statementTimeoutMs: 0, idleMs: IDLE_MS });
    await sut.open({ create: true });
    await sut.write((connection) => connection.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'));
  });

  afterEach(async () => {
    await sut.close();
    jest.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts with its writer alone, and plans and reads one at a time on a single reader', async () => {
    expect(driver.opened.map((record) => record.readOnly)).toEqual([false]);
    for (let i = 0; i < 5; i++) {
      await sut.plan(planned(`SELECT v FROM t WHERE id = ${i}`));
      await sut.read((connection) => connection.all('SELECT v FROM t WHERE id = ?', [i]));
    }
    expect(readOnly()).toHaveLength(1); // planning shares the reader: no planner connection of its own
    expect(sut.openConnections).toBe(2);
  });

  it('opens another reader only when the open ones are all busy, up to `readers`', async () => {
    const { gate, release } = held();
    const reads = Array.from({ length: 5 }, () => sut.read(async (connection) => {
      await gate;
      return connection.all('SELECT 1 AS one');
    }));
    await until(() => readOnly().length === 3);
    await Promise.resolve();
    expect(readOnly()).toHaveLength(3); // the 4th and 5th read wait for one of the three
    release();
    await Promise.all(reads);
    expect(readOnly()).toHaveLength(3);
  });

  it('plans on a spare planner when every reader is busy, instead of waiting for one', async () => {
    const { gate, release } = held();
    const reads = Array.from({ length: 3 }, () => sut.read(() => gate));
    await until(() => readOnly().length === 3);
    await expect(sut.plan(planned('SELECT v FROM t'))).resolves.toMatchObject({ readOnly: true });
    expect(readOnly()).toHaveLength(4);
    release();
    await Promise.all(reads);
    jest.advanceTimersByTime(IDLE_MS);
    await until(() => driver.openCount === 1);
    expect(sut.openConnections).toBe(1);
  });

  it('closes readers unused for idleMs, down to none, but not the one in steady use', async () => {
    const { gate, release } = held();
    const reads = Array.from({ length: 3 }, () => sut.read(() => gate));
    await until(() => readOnly().length === 3);
    release();
    await Promise.all(reads);

    // One read every second: the most recently used reader serves them all, the other two go unused.
    for (let second = 1; second <= 6; second++) {
      jest.advanceTimersByTime(1000);
      await sut.read((connection) => connection.all('SELECT 1 AS one'));
    }
    await until(() => driver.openCount === 2);
    expect(readOnly().filter((record) => record.closed)).toHaveLength(2);
    expect(driver.opened.find((record) => !record.readOnly)?.closed).toBe(false);

    jest.advanceTimersByTime(IDLE_MS - 1);
    await Promise.resolve();
    expect(driver.openCount).toBe(2);
    jest.advanceTimersByTime(1);
    await until(() => driver.openCount === 1);
    expect(sut.openConnections).toBe(1);

    // The next read opens a reader again.
    await expect(sut.read((connection) => connection.all('SELECT count(*) AS n FROM t'))).resolves.toEqual([{ n: 0 }]);
    expect(readOnly()).toHaveLength(4);
  });

  it('releases the memory of a pool idle for idleMs: the writer finalizes its statements and shrinks its page cache', async () => {
    await sut.write((connection) => connection.run("INSERT INTO t (v) VALUES ('x')"));
    const writer = driver.opened[0];
    expect(writer.releases).toBe(0);
    jest.advanceTimersByTime(IDLE_MS - 1);
    expect(writer.releases).toBe(0);
    jest.advanceTimersByTime(1);
    await until(() => writer.releases === 1);
    expect(writer.execs).toContain('PRAGMA cache_size=2');
    // Only once per idle spell, and again after the next operation.
    jest.advanceTimersByTime(IDLE_MS * 3);
    await sut.close();
    expect(writer.releases).toBe(1);
  });

  it('runs a busy pool on SQLite’s default page cache and an idle one on a tiny one', async () => {
    const cacheSize = async () => Number((await sut.read((connection) => connection.all('PRAGMA cache_size')))[0].cache_size);
    const writerCacheSize = async () => Number((await sut.write((connection) => connection.all('PRAGMA cache_size')))[0].cache_size);
    expect(await cacheSize()).toBe(2);
    expect(await writerCacheSize()).toBe(2);
    for (let i = 0; i < WARM_AFTER_OPERATIONS; i++) await sut.read((connection) => connection.all('SELECT 1 AS one'));
    expect(await cacheSize()).toBe(-2000);
    expect(await writerCacheSize()).toBe(-2000);

    jest.advanceTimersByTime(IDLE_MS);
    await until(() => driver.opened[0].releases === 1 && driver.openCount === 1);
    expect(await writerCacheSize()).toBe(2);
    expect(await cacheSize()).toBe(2); // a new reader, opened cold
  });

  it('keeps statements working after the writer released them', async () => {
    const insert = (v: string) => sut.write((connection) => connection.run('INSERT INTO t (v) VALUES (?)', [v]));
    await insert('before');
    jest.advanceTimersByTime(IDLE_MS);
    await until(() => driver.opened[0].releases === 1);
    await insert('after');
    expect(await sut.read((connection) => connection.all('SELECT v FROM t ORDER BY id'))).toEqual([{ v: 'before' }, { v: 'after' }]);
  });

  it('on close, closes every connection it opened, drops its plans and leaves no timer behind', async () => {
    const { gate, release } = held();
    const reads = Array.from({ length: 3 }, () => sut.read(() => gate));
    await until(() => readOnly().length === 3);
    await sut.plan(planned('SELECT id FROM t')); // on the spare planner
    release();
    await Promise.all(reads);
    expect(driver.openCount).toBe(5);
    expect(jest.getTimerCount()).toBeGreaterThan(0);

    await sut.close();

    expect(driver.opened.filter((record) => !record.closed)).toEqual([]);
    expect(sut.openConnections).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    await expect(sut.plan(planned('SELECT id FROM t'))).rejects.toBeInstanceOf(DatabaseClosedError);
  });

  it('closing while idle readers are being closed waits for them', async () => {
    await sut.read((connection) => connection.all('SELECT 1 AS one'));
    jest.advanceTimersByTime(IDLE_MS); // the reader's close starts in the background
    await sut.close();
    expect(driver.opened.filter((record) => !record.closed)).toEqual([]);
  });
});
