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

describe('SnapshotScheduler', () => {
  let directory: string;
  let existing: Record<string, SnapshotDto[]>;
  let create: jest.Mock;
  let prune: jest.Mock;
  let sut: SnapshotScheduler;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dbforge-scheduler-'));
    existing = {};
    create = jest.fn(async (name: string) => ({ id: `x-${name}` }));
    prune = jest.fn(async () => []);
    const catalog = { listActive: () => ['a', 'b', 'c'].map((name) => ({ name })) } as unknown as CatalogService;
    const layout = { fileOf: (name: string) => join(directory, `${name}.db`) } as unknown as DatabaseLayout;
    const store = { snapshotsOf: async (name: string) => existing[name] ?? [], create, prune } as unknown as SnapshotStore;
    const config = { snapshotIntervalMinutes: 0, snapshotRetention: 3 } as GatewayConfig;
    sut = new SnapshotScheduler(catalog, layout, store, config);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(directory, { recursive: true, force: true });
  });

  it('snapshots every active database without snapshots, then applies retention to scheduled ones', async () => {
    expect(await sut.runRound()).toEqual({ taken: ['a', 'b', 'c'], unchanged: [], failed: [] });
    expect(create.mock.calls).toEqual([
      ['a', 'scheduled'],
      ['b', 'scheduled'],
      ['c', 'scheduled'],
    ]);
    expect(prune).toHaveBeenCalledWith('a', 'scheduled', 3);
  });

  it('leaves alone a database whose files did not change after its newest snapshot began', async () => {
    await writeFile(join(directory, 'a.db'), 'old');
    existing.a = [{ id: 'later', reason: 'manual', created_at: new Date(Date.now() + 60_000).toISOString(), size_bytes: 1 }];
    existing.b = [{ id: 'earlier', reason: 'scheduled', created_at: new Date(Date.now() - 60_000).toISOString(), size_bytes: 1 }];
    await writeFile(join(directory, 'b.db'), 'written after the snapshot');
    const round = await sut.runRound();
    expect(round.unchanged).toEqual(['a']);
    expect(round.taken).toEqual(['b', 'c']);
  });

  it('logs a failed snapshot and goes on with the others', async () => {
    create.mockImplementation(async (name: string) => {
      if (name === 'b') throw new Error('disk full');
      return { id: name };
    });
    expect(await sut.runRound()).toEqual({ taken: ['a', 'c'], unchanged: [], failed: ['b'] });
    expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining("Scheduled snapshot of 'b' failed: disk full"));
  });

  it('never runs two rounds at once: a call during a round joins it', async () => {
    let release!: () => void;
    create.mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve({ id: 'a' }))));
    const first = sut.runRound();
    const second = sut.runRound();
    expect(second).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await first;
    expect(create).toHaveBeenCalledTimes(3);
    await sut.runRound(); // a later call starts a new round
    expect(create).toHaveBeenCalledTimes(6);
  });

  it('starts no timer when the interval is 0', async () => {
    const setInterval = jest.spyOn(global, 'setInterval');
    sut.onModuleInit();
    expect(setInterval).not.toHaveBeenCalled();
    await sut.onApplicationShutdown();
  });
});
