import { Logger } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogRepository } from '../catalog/catalog.repository';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain.error';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { ReplicationService } from '../replication/replication.service';
import { DatabaseTrash } from './database-trash';

/** Stands still at `at`; counts how often it is read (each sweep reads it once). */
class FixedClock extends Clock {
  reads = 0;
  constructor(public at: Date) {
    super();
  }
  now(): Date {
    this.reads++;
    return this.at;
  }
}

const HOUR = 3_600_000;
const T0 = new Date('2026-03-01T10:00:00.000Z');

const entry = (name: string, status: 'active' | 'pruned' = 'pruned'): CatalogEntry => ({
  id: `db_${name}`,
  name,
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  workerId: null,
  runtime: 'embedded',
});

const failure = (promise: Promise<unknown>): Promise<DomainError> => promise.then(() => Promise.reject(new Error('it succeeded')), (error: DomainError) => error);

/** Resolves once `condition` holds; the sweeper's timer runs every 10 ms here. */
async function eventually(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() > deadline) throw new Error('the condition did not come true within 5 s');
  }
}

describe('DatabaseTrash', () => {
  let dataDir: string;
  let clock: FixedClock;
  let catalog: CatalogService;
  let layout: DatabaseLayout;
  let sut: DatabaseTrash;

  async function build(retentionHours = 1, rows: CatalogEntry[] = []): Promise<void> {
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dataDir, DBFORGE_TRASH_RETENTION_HOURS: String(retentionHours), DBFORGE_TRASH_SWEEP_INTERVAL_MS: '10' });
    const repository = { open: async () => rows, save: async () => undefined, remove: async () => undefined, close: async () => undefined } as CatalogRepository;
    catalog = new CatalogService(repository);
    await catalog.onModuleInit();
    layout = new DatabaseLayout(config);
    sut = new DatabaseTrash(catalog, layout, new DatabaseLocks(), config, clock, new ReplicationService(config, catalog, layout));
  }

  /** A database directory with its file of `bytes` bytes and, optionally, snapshots. */
  function database(name: string, bytes = 10, snapshots: string[] = []): void {
    mkdirSync(join(dataDir, name));
    writeFileSync(join(dataDir, name, `${name}.db`), 'x'.repeat(bytes));
    if (snapshots.length === 0) return;
    mkdirSync(layout.snapshotsDirectory(name), { recursive: true });
    for (const id of snapshots) writeFileSync(join(layout.snapshotsDirectory(name), `${id}.db`), 'snap');
  }

  /** Deletes `name` into the trash at `at`, as the lifecycle service does. */
  async function trashed(name: string, at: Date, bytes = 10): Promise<string> {
    database(name, bytes);
    return (await sut.moveIn(entry(name), at)).trashId;
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dbforge-trash-'));
    clock = new FixedClock(T0);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await build();
  });

  afterEach(() => {
    sut.onApplicationShutdown();
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('moveIn and receipt', () => {
    it('moves the directory with its snapshots into the trash and answers what it will purge when', async () => {
      database('notes', 10, ['20260201T000000000Z-manual']);
      const moved = await sut.moveIn(entry('notes'), T0);
      expect(moved).toEqual({ trashId: 'notes-20260301T100000000Z', moved: true });
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(existsSync(layout.snapshotsDirectory('notes'))).toBe(false);
      expect(readdirSync(join(layout.trashDir, moved.trashId)).sort()).toEqual(['notes.db', 'snapshots', 'trash.json']);

      expect(await sut.receipt(entry('notes'), moved, T0)).toEqual({
        message: 'Database moved to the trash.',
        db_name: 'notes',
        trash_id: 'notes-20260301T100000000Z',
        deleted_at: T0.toISOString(),
        purge_after: new Date(T0.getTime() + HOUR).toISOString(),
        created_at: '2026-01-01T00:00:00.000Z',
        size_bytes: 14, // the file and the snapshot, not the marker
      });
    });

    it('moves nothing for a database without a directory, and says it is gone', async () => {
      const moved = await sut.moveIn(entry('empty'), T0);
      expect(moved).toEqual({ trashId: 'empty-20260301T100000000Z', moved: false });
      expect(await sut.receipt(entry('empty'), moved, T0)).toEqual({
        message: 'Database deleted and purged.',
        db_name: 'empty',
        trash_id: 'empty-20260301T100000000Z',
        deleted_at: T0.toISOString(),
        purge_after: T0.toISOString(),
        created_at: '2026-01-01T00:00:00.000Z',
        size_bytes: 0,
      });
      expect(await sut.list()).toEqual([]);
    });

    it('purges the copy at once with a retention of 0', async () => {
      await build(0);
      database('gone');
      const moved = await sut.moveIn(entry('gone'), T0);
      expect((await sut.receipt(entry('gone'), moved, T0)).message).toBe('Database deleted and purged.');
      expect(await sut.list()).toEqual([]);
      expect(existsSync(join(layout.trashDir, moved.trashId))).toBe(false);
    });
  });

  describe('list and newest', () => {
    it('lists every copy, oldest deletion first, leaving out what is not a trashed copy', async () => {
      await trashed('b', new Date(T0.getTime() + 2000));
      await trashed('a', new Date(T0.getTime() + 1000));
      mkdirSync(join(layout.trashDir, 'not-a-copy'));
      expect((await sut.list()).map((copy) => copy.trash_id)).toEqual(['a-20260301T100001000Z', 'b-20260301T100002000Z']);
    });

    it('finds the newest copy of a name, or NOT_IN_TRASH', async () => {
      await trashed('notes', T0);
      await trashed('notes', new Date(T0.getTime() + 5000));
      expect((await sut.newest('notes')).trash_id).toBe('notes-20260301T100005000Z');
      expect(await failure(sut.newest('other'))).toMatchObject({ code: ErrorCode.NOT_IN_TRASH, message: "Nothing in the trash for 'other'." });
    });
  });

  describe('takeOut and putBack', () => {
    it('takes a copy out into its directory with its identity, snapshots back in place, marker gone', async () => {
      database('notes', 10, ['20260201T000000000Z-manual']);
      await sut.moveIn(entry('notes'), T0);
      const copy = await sut.takeOut(await sut.newest('notes'));
      expect(copy).toMatchObject({ id: 'db_notes', db_name: 'notes', trash_id: 'notes-20260301T100000000Z', created_at: '2026-01-01T00:00:00.000Z' });
      expect(readdirSync(join(dataDir, 'notes'))).toEqual(['notes.db']);
      expect(readdirSync(layout.snapshotsDirectory('notes'))).toEqual(['20260201T000000000Z-manual.db']);
      expect(await sut.list()).toEqual([]);
    });

    it('puts a copy taken out back into the trash', async () => {
      const id = await trashed('notes', T0);
      const copy = await sut.takeOut(await sut.newest('notes'));
      await sut.putBack(copy);
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect((await sut.list()).map((entry) => entry.trash_id)).toEqual([id]);
    });
  });

  describe('purge', () => {
    it('removes every copy of the name and no other', async () => {
      const first = await trashed('notes', T0);
      const second = await trashed('notes', new Date(T0.getTime() + 1000));
      const other = await trashed('other', T0);
      expect(await sut.purge('notes')).toEqual({ message: 'Purged 2 deleted copies of notes.', db_name: 'notes', purged: [first, second] });
      expect((await sut.list()).map((copy) => copy.trash_id)).toEqual([other]);
      expect((await sut.purge('other')).message).toBe('Purged 1 deleted copy of other.');
    });

    it('refuses a name with nothing in the trash, and an invalid one', async () => {
      expect(await failure(sut.purge('notes'))).toMatchObject({ code: ErrorCode.NOT_IN_TRASH });
      expect(await failure(Promise.resolve().then(() => sut.purge('../x')))).toMatchObject({ code: ErrorCode.INVALID_DATABASE_NAME });
    });
  });

  describe('the sweep (at start-up, then on its timer)', () => {
    it('purges at start-up the copies whose retention has ended by now, and only those', async () => {
      const expired = await trashed('old', new Date(T0.getTime() - HOUR));
      const kept = await trashed('young', new Date(T0.getTime() - HOUR + 1));
      await sut.onApplicationBootstrap();
      expect((await sut.list()).map((copy) => copy.trash_id)).toEqual([kept]);
      expect(existsSync(join(layout.trashDir, expired))).toBe(false);
    });

    it('purges a copy on the timer once the clock reaches its purge_after', async () => {
      const id = await trashed('notes', T0);
      await sut.onApplicationBootstrap();
      clock.at = new Date(T0.getTime() + HOUR - 1);
      const reads = clock.reads;
      await eventually(() => clock.reads >= reads + 3); // three sweeps of a clock 1 ms short
      expect(existsSync(join(layout.trashDir, id))).toBe(true);
      clock.at = new Date(T0.getTime() + HOUR);
      await eventually(() => !existsSync(join(layout.trashDir, id)));
    });
  });

  describe('repair at start-up', () => {
    it('forgets a pruned database whose directory went to the trash, and leaves the others', async () => {
      await build(1, [entry('halfway'), entry('kept'), entry('running', 'active')]);
      await trashed('halfway', T0);
      await trashed('kept', T0);
      database('kept'); // a directory of its own again
      await trashed('running', T0);
      await sut.onApplicationBootstrap();
      expect(catalog.find('halfway')).toBeUndefined();
      expect(catalog.find('kept')?.status).toBe('pruned');
      expect(catalog.find('running')?.status).toBe('active');
    });
  });
});
