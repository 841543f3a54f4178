import { Logger } from '@nestjs/common';
import { SnapshotDto } from '@dbforge/contracts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { GatewayConfig } from '../config/gateway.config';
import { SnapshotScheduler } from './snapshot.scheduler';
import { SnapshotStore } from './snapshot.store';

const INTERVAL_MS = 60_000;

describe('SnapshotScheduler', () => {
  let directory: string;
  let existing: Record<string, SnapshotDto[]>;
  let create: jest.Mock;
  let prune: jest.Mock;
  let config: GatewayConfig;
  let sut: SnapshotScheduler;

  /** Lets the timer fire once and waits for the round it started (shutdown waits for a running round). */
  async function roundOnTimer(): Promise<void> {
    sut.onModuleInit();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    await sut.onApplicationShutdown();
  }

  beforeEach(async () => {
    // Only the scheduler's interval is faked: the round's file reads and the test's setImmediate stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'Date', 'hrtime', 'performance'] });
    directory = await mkdtemp(join(tmpdir(), 'dbforge-scheduler-'));
    existing = {};
    create = jest.fn(async (name: string) => ({ id: `x-${name}` }));
    prune = jest.fn(async () => []);
    const catalog = { listActive: () => ['a', 'b', 'c'].map((name) => ({ name })) } as unknown as CatalogService;
    const layout = { fileOf: (name: string) => join(directory, `${name}.db`) } as unknown as DatabaseLayout;
    const store = { snapshotsOf: async (name: string) => existing[name] ?? [], create, prune } as unknown as SnapshotStore;
    config = { snapshotIntervalMinutes: INTERVAL_MS / 60_000, snapshotRetention: 3 } as GatewayConfig;
    sut = new SnapshotScheduler(catalog, layout, store, config);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    await sut.onApplicationShutdown();
    jest.useRealTimers();
    jest.restoreAllMocks();
    await rm(directory, { recursive: true, force: true });
  });

  it('takes no snapshot before the interval has passed', async () => {
    sut.onModuleInit();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(create).not.toHaveBeenCalled();
  });

  it('snapshots every active database without snapshots, then applies retention to scheduled ones', async () => {
    await roundOnTimer();
    expect(create.mock.calls).toEqual([
      ['a', 'scheduled'],
      ['b', 'scheduled'],
      ['c', 'scheduled'],
    ]);
    expect(prune).toHaveBeenCalledWith('a', 'scheduled', 3);
    expect(Logger.prototype.log).toHaveBeenCalledWith('Snapshot round: 3 taken, 0 unchanged, 0 failed.');
  });

  it('leaves alone a database whose files did not change after its newest snapshot began', async () => {
    await writeFile(join(directory, 'a.db'), 'old');
    existing.a = [{ id: 'later', reason: 'manual', created_at: new Date(Date.now() + 60_000).toISOString(), size_bytes: 1 }];
    existing.b = [{ id: 'earlier', reason: 'scheduled', created_at: new Date(Date.now() - 60_000).toISOString(), size_bytes: 1 }];
    await writeFile(join(directory, 'b.db'), 'written after the snapshot');
    await roundOnTimer();
    expect(create.mock.calls.map(([name]) => name)).toEqual(['b', 'c']);
    expect(Logger.prototype.log).toHaveBeenCalledWith('Snapshot round: 2 taken, 1 unchanged, 0 failed.');
  });

  it('logs a failed snapshot and goes on with the others', async () => {
    create.mockImplementation(async (name: string) => {
      if (name === 'b') throw new Error('disk full');
      return { id: name };
    });
    await roundOnTimer();
    expect(create.mock.calls.map(([name]) => name)).toEqual(['a', 'b', 'c']);
    expect(prune.mock.calls.map(([name]) => name)).toEqual(['a', 'c']);
    expect(Logger.prototype.log).toHaveBeenCalledWith('Snapshot round: 2 taken, 0 unchanged, 1 failed.');
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining("Scheduled snapshot of 'b' failed: disk full"));
  });

  it('answers the round it ran when asked directly', async () => {
    expect(await sut.runRound()).toEqual({ taken: ['a', 'b', 'c'], unchanged: [], failed: [] });
  });

  it('never runs two rounds at once: a call or a timer firing during a round joins it', async () => {
    let release!: () => void;
    create.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve({ id: 'a' }))));
    const first = sut.runRound();
    const second = sut.runRound();
    expect(second).toBe(first);
    sut.onModuleInit();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS); // the timer fires while the round waits on 'a'
    await new Promise((resolve) => setImmediate(resolve));
    expect(create).toHaveBeenCalledTimes(1);
    release();
    await first;
    expect(create).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(INTERVAL_MS); // a later firing starts a new round
    await sut.onApplicationShutdown();
    expect(create).toHaveBeenCalledTimes(6);
  });

  it('starts no timer when the interval is 0', async () => {
    config.snapshotIntervalMinutes = 0;
    const setInterval = jest.spyOn(global, 'setInterval');
    sut.onModuleInit();
    expect(setInterval).not.toHaveBeenCalled();
    await sut.onApplicationShutdown();
  });
});
