import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DatabaseLayout } from '../../catalog/database-layout';
import { loadGatewayConfig } from '../../config/load-gateway-config';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { FILE_MISSING, SqliteConnection } from '../../sqlite/sqlite.port';
import { bindStatement } from '../statements/bound-statement';
import { DatabaseClosedError } from './database-closed.error';
import { ConnectionPoolService } from './connection-pool.service';
import { DatabasePool } from './database-pool';

describe('ConnectionPoolService', () => {
  let dir: string;
  let layout: DatabaseLayout;
  let sut: ConnectionPoolService;

  const walSize = (name: string): number => {
    const wal = `${layout.fileOf(name)}-wal`;
    return existsSync(wal) ? statSync(wal).size : 0;
  };

  /** Eviction closes a pool in the background; wait until its WAL has been checkpointed away. */
  const untilCheckpointed = async (name: string): Promise<void> => {
    for (let waited = 0; walSize(name) > 0; waited += 10) {
      if (waited > 2000) throw new Error(`the WAL of '${name}' was never checkpointed`);
      await sleep(10);
    }
  };

  const insert = (pool: DatabasePool, value: string) => pool.write((connection) => connection.run('INSERT INTO t (v) VALUES (?)', [value]));
  const values = (name: string) => sut.use(name, (pool) => pool.read((connection) => connection.all('SELECT v FROM t ORDER BY rowid')));
  /** Opens `name` (if closed; creating its file) and writes a row through it, leaving data in its WAL. */
  const touch = (name: string) =>
    sut.use(name, async (pool) => {
      await pool.open({ create: true });
      await pool.write((connection) => connection.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)'));
      await insert(pool, name);
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'connection-pool-'));
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dir, DBFORGE_MAX_OPEN_DATABASES: '2' });
    layout = new DatabaseLayout(config);
    for (const name of ['alpha', 'beta', 'gamma']) await layout.prepareDirectory(name);
    sut = new ConnectionPoolService(new NodeSqlite3Driver(), layout, config);
  });

  afterEach(async () => {
    await sut.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a database only when it is first used', async () => {
    expect(sut.openCount).toBe(0);
    expect(existsSync(layout.fileOf('alpha'))).toBe(false);
    await touch('alpha');
    expect(sut.openCount).toBe(1);
    expect(existsSync(layout.fileOf('alpha'))).toBe(true);
  });

  it('keeps the same pool across uses', async () => {
    const first = await sut.use('alpha', async (pool) => pool);
    const second = await sut.use('alpha', async (pool) => pool);
    expect(second).toBe(first);
    expect(sut.openCount).toBe(1);
  });

  it('closes the least recently used database beyond the limit, checkpointing its WAL', async () => {
    await touch('alpha');
    await touch('beta');
    await touch('alpha'); // beta is now the least recently used
    await touch('gamma');

    expect(sut.openCount).toBe(2);
    await untilCheckpointed('beta');
    expect(walSize('alpha')).toBeGreaterThan(0); // still open
    await expect(values('beta')).resolves.toEqual([{ v: 'beta' }]);
  });

  it('does not evict a database while a task is using it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const longTask = sut.use('alpha', async (pool) => {
      await pool.open({ create: true });
      await pool.write((connection) => connection.exec('CREATE TABLE t (v TEXT)'));
      await held;
      return insert(pool, 'after the others'); // fails if the pool was closed meanwhile
    });
    await touch('beta');
    await touch('gamma');
    expect(sut.openCount).toBe(2);

    release();
    await expect(longTask).resolves.toMatchObject({ changes: 1 });
    await untilCheckpointed('beta');
    expect(walSize('alpha')).toBeGreaterThan(0);
  });

  it('closes every database on application shutdown', async () => {
    await touch('alpha');
    await touch('beta');
    await sut.onApplicationShutdown();
    expect(sut.openCount).toBe(0);
    expect(walSize('alpha')).toBe(0);
    expect(walSize('beta')).toBe(0);
  });

  it('reopens a database used again after close(name)', async () => {
    await touch('alpha');
    await sut.close('alpha');
    expect(sut.openCount).toBe(0);
    expect(walSize('alpha')).toBe(0);

    await expect(values('alpha')).resolves.toEqual([{ v: 'alpha' }]);
    expect(sut.openCount).toBe(1);
  });

  it('refuses a use that waited on close(name) (a prune), instead of opening the file again', async () => {
    await touch('alpha');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = sut.use('alpha', () => held);
    const closing = sut.close('alpha');
    const waiting = sut.use('alpha', () => Promise.resolve('opened again'));
    release();
    await running;
    await closing;
    await expect(waiting).rejects.toBeInstanceOf(DatabaseClosedError);
    expect(sut.openCount).toBe(0);
  });

  it('lets a use that waited on an eviction open the database again', async () => {
    await touch('alpha');
    await touch('beta');
    await touch('gamma'); // evicts alpha in the background
    await expect(values('alpha')).resolves.toEqual([{ v: 'alpha' }]);
  });

  it('suspend: waits for running leases, holds new ones until the work is done, then they open the new file', async () => {
    await touch('alpha');
    const order: string[] = [];
    let finishRunning!: () => void;
    const running = sut.use('alpha', async () => {
      await new Promise<void>((resolve) => (finishRunning = resolve));
      order.push('running lease ended');
    });
    const suspended = sut.suspend('alpha', async () => {
      order.push('work');
      expect(sut.openCount).toBe(0); // closed: the file may be replaced
      await rm(layout.fileOf('alpha'));
      await rm(`${layout.fileOf('alpha')}-wal`, { force: true });
      await rm(`${layout.fileOf('alpha')}-shm`, { force: true });
      const replacement = await new NodeSqlite3Driver().open(layout.fileOf('alpha'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
      await replacement.close();
      return 'done';
    });
    const waiting = values('alpha').then(
      (rows) => ({ rows }),
      (error: Error) => ({ error: error.message }),
    );
    await sleep(20);
    expect(order).toEqual([]);
    finishRunning();
    await expect(suspended).resolves.toBe('done');
    await running;
    expect(order).toEqual(['running lease ended', 'work']);
    // The waiting read ran after the work, on a fresh file: no table t there any more.
    expect(await waiting).toEqual({ error: expect.stringContaining('no such table: t') });
  });

  it('never creates the file of a database whose file is gone: reads and writes fail with FILE_MISSING', async () => {
    await touch('alpha');
    await sut.close('alpha');
    await rm(layout.fileOf('alpha'));
    const read = values('alpha');
    const write = sut.use('alpha', (pool) => insert(pool, 'lost'));
    await expect(read).rejects.toMatchObject({ code: FILE_MISSING });
    await expect(write).rejects.toMatchObject({ code: FILE_MISSING });
    expect(existsSync(layout.fileOf('beta'))).toBe(false);
    await expect(sut.use('beta', (pool) => pool.open())).rejects.toMatchObject({ code: FILE_MISSING, message: expect.stringContaining('does not exist') });
    expect(existsSync(layout.fileOf('alpha'))).toBe(false);
    expect(existsSync(layout.fileOf('beta'))).toBe(false);
  });
});

describe('ConnectionPoolService evictions', () => {
  /** The real driver, counting the connections it opened that are not closed yet. */
  class CountingDriver extends NodeSqlite3Driver {
    openConnections = 0;

    override async open(file: string, options: Parameters<NodeSqlite3Driver['open']>[1]): Promise<SqliteConnection> {
      const connection = await super.open(file, options);
      this.openConnections++;
      const close = connection.close.bind(connection);
      connection.close = () => {
        this.openConnections--;
        return close();
      };
      return connection;
    }
  }

  let dir: string;
  let driver: CountingDriver;
  let sut: ConnectionPoolService;
  let layout: DatabaseLayout;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'connection-pool-evict-'));
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dir, DBFORGE_MAX_OPEN_DATABASES: '2', DBFORGE_POOL_READERS: '2' });
    layout = new DatabaseLayout(config);
    driver = new CountingDriver();
    sut = new ConnectionPoolService(driver, layout, config);
  });

  afterEach(async () => {
    await sut.onApplicationShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** Spawns `name` and uses it as a client would: a table, a row, a planned read, two reads at once. */
  const exercise = async (name: string, onPool: (pool: DatabasePool) => void = () => undefined) => {
    await layout.prepareDirectory(name);
    await sut.use(name, async (pool) => {
      onPool(pool);
      await pool.open({ create: true });
      await pool.write((connection) => connection.exec('CREATE TABLE t (v TEXT)'));
      await pool.write((connection) => connection.run('INSERT INTO t (v) VALUES (?)', [name]));
      await pool.plan(bindStatement('SELECT v FROM t', undefined));
      await Promise.all([1, 2].map(() => pool.read((connection) => connection.all('SELECT v FROM t'))));
    });
  };

  it('closes every connection of an evicted pool, and keeps nothing of it: pools evicted by the hundred are garbage collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collected = new Set<string>();
    const registry = new FinalizationRegistry<string>((name) => collected.add(name));
    const names = Array.from({ length: 100 }, (_, i) => `db${i}`);
    for (const name of names) await exercise(name, (pool) => registry.register(pool, name));
    await Promise.all(names.slice(0, -2).map((name) => sut.close(name).catch(() => undefined))); // waits for the evictions under way
    expect(sut.openCount).toBe(2);
    // The two still open hold a writer and their readers; the 98 evicted ones hold nothing.
    expect(driver.openConnections).toBeLessThanOrEqual(2 * 3);

    for (let round = 0; round < 10 && collected.size < names.length - 2; round++) {
      gc();
      await sleep(20);
    }
    expect(names.slice(0, -2).filter((name) => !collected.has(name))).toEqual([]);
  });
});
