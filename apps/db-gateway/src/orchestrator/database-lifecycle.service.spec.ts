import { Logger } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UploadSource } from '../backup/upload-source';
import { ValidatedUploads } from '../backup/validated-uploads';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogRepository } from '../catalog/catalog.repository';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain.error';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { ConnectionPoolService } from '../data-plane/pool/connection-pool.service';
import { DatabasePool } from '../data-plane/pool/database-pool';
import { FILE_MISSING, SqliteError } from '../sqlite/sqlite.port';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import { ReplicationService } from '../replication/replication.service';
import { DatabaseReader } from '../backup/database-reader';
import { DatabaseTrash } from './database-trash';
import { ContainerRuntime, WorkerInfo } from './runtime/container-runtime.port';

class SteppingClock extends Clock {
  at = new Date('2026-03-01T10:00:00.000Z');
  now(): Date {
    return this.at;
  }
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** Workers by database; `failStart` makes the next start of that database fail. */
function fakeRuntime() {
  const workers = new Map<string, WorkerInfo>();
  let counter = 0;
  const runtime = {
    kind: 'docker' as const,
    workers,
    failStart: undefined as string | undefined,
    removed: [] as string[],
    inspect: async (database: string): Promise<WorkerInfo> => workers.get(database) ?? { database, id: null, state: 'missing', image: null, startedAt: null, limits: null },
    start: async (database: string): Promise<WorkerInfo> => {
      if (runtime.failStart === database) throw new Error(`cannot start ${database}`);
      const worker = workers.get(database) ?? { database, id: `worker-${database}-${++counter}`, state: 'running', image: 'img', startedAt: null, limits: null };
      workers.set(database, { ...worker, state: 'running' });
      return workers.get(database)!;
    },
    remove: async (database: string): Promise<void> => {
      runtime.removed.push(database);
      workers.delete(database);
    },
    list: async () => [...workers.values()],
  };
  return runtime;
}

/** Pools whose `open` creates the file only when asked to, as the driver does; `failOpen` makes the next open fail. */
function fakePools(layout: DatabaseLayout) {
  const pools = {
    closed: [] as string[],
    opened: [] as { name: string; create: boolean }[],
    failOpen: undefined as string | undefined,
    use: async (name: string, task: (pool: DatabasePool) => Promise<unknown>) =>
      task({
        open: async ({ create = false }: { create?: boolean } = {}) => {
          pools.opened.push({ name, create });
          if (pools.failOpen === name) throw new SqliteError('SQLITE_IOERR', 'disk I/O error');
          if (existsSync(layout.fileOf(name))) return;
          if (!create) throw new SqliteError(FILE_MISSING, 'missing');
          writeFileSync(layout.fileOf(name), '');
        },
      } as unknown as DatabasePool),
    close: async (name: string) => void pools.closed.push(name),
  };
  return pools;
}

const failure = (promise: Promise<unknown>): Promise<DomainError> => promise.then(() => Promise.reject(new Error('it succeeded')), (error: DomainError) => error);

describe('DatabaseLifecycleService', () => {
  let dataDir: string;
  let clock: SteppingClock;
  let catalog: CatalogService;
  let saved: CatalogEntry[];
  let failSave: boolean;
  let layout: DatabaseLayout;
  let runtime: ReturnType<typeof fakeRuntime>;
  let pools: ReturnType<typeof fakePools>;
  let trash: DatabaseTrash;
  let received: string[];
  let sut: DatabaseLifecycleService;

  /** An upload of a SQLite file: the fake validation writes it to the scratch directory and installs it. */
  const upload: UploadSource = { contentType: 'application/vnd.sqlite3', contentEncoding: '', hasBody: true, stream: Readable.from([]) };
  const uploads = {
    isSpawnUpload: (source: UploadSource) => source.hasBody,
    kindOf: () => 'file',
    receive: async (_source: UploadSource, _kind: string, install: (file: string) => Promise<unknown>) => {
      const file = join(dataDir, `upload-${received.length}.db`);
      writeFileSync(file, 'uploaded');
      received.push(file);
      return install(file);
    },
  } as unknown as ValidatedUploads;

  const trashIds = async () => (await trash.list()).map((copy) => copy.trash_id);

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dbforge-lifecycle-'));
    clock = new SteppingClock();
    saved = [];
    failSave = false;
    received = [];
    const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dataDir });
    const repository = {
      open: async () => [],
      save: async (entry: CatalogEntry) => (failSave ? Promise.reject(new Error('catalog write failed')) : void saved.push(entry)),
      remove: async () => undefined,
      close: async () => undefined,
    } as CatalogRepository;
    catalog = new CatalogService(repository);
    await catalog.onModuleInit();
    layout = new DatabaseLayout(config);
    runtime = fakeRuntime();
    pools = fakePools(layout);
    const locks = new DatabaseLocks();
    trash = new DatabaseTrash(catalog, layout, locks, config, clock, new ReplicationService(config, catalog, layout));
    sut = new DatabaseLifecycleService(catalog, layout, pools as unknown as ConnectionPoolService, runtime as unknown as ContainerRuntime, locks, uploads, trash, clock, new ReplicationService(config, catalog, layout), {} as DatabaseReader);
    for (const level of ['log', 'warn', 'error'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('spawn', () => {
    it('spawns a new database: its file, a worker, an active catalog entry with a new identity', async () => {
      const outcome = await sut.spawn('notes');
      expect(outcome).toEqual({ created: true, body: { message: 'Database instance spawned successfully.', db_name: 'notes', container_id: 'worker-notes-1' } });
      expect(existsSync(layout.fileOf('notes'))).toBe(true);
      expect(pools.opened).toEqual([{ name: 'notes', create: true }]);
      expect(catalog.find('notes')).toEqual({
        id: expect.stringMatching(/^db_[0-9a-f]{24}$/),
        name: 'notes',
        status: 'active',
        createdAt: '2026-03-01T10:00:00.000Z',
        updatedAt: '2026-03-01T10:00:00.000Z',
        workerId: 'worker-notes-1',
        runtime: 'docker',
      });
    });

    it('answers created: false for a database already running, and starts nothing', async () => {
      await sut.spawn('notes');
      expect(await sut.spawn('notes')).toEqual({ created: false, body: { message: 'Database instance already exists and is running.', db_name: 'notes', container_id: 'worker-notes-1' } });
      expect(pools.opened).toHaveLength(1);
      expect(saved).toHaveLength(1);
    });

    it('brings a pruned database back as itself, on its own file', async () => {
      await sut.spawn('notes');
      const before = catalog.find('notes')!;
      await sut.prune('notes');
      clock.advance(60_000);
      const outcome = await sut.spawn('notes');
      expect(outcome.created).toBe(true);
      expect(catalog.find('notes')).toMatchObject({ id: before.id, status: 'active', createdAt: before.createdAt, updatedAt: '2026-03-01T10:01:00.000Z' });
      expect(pools.opened[1]).toEqual({ name: 'notes', create: false });
    });

    it('refuses an invalid name', async () => {
      expect(await failure(sut.spawn('../etc'))).toMatchObject({ code: ErrorCode.INVALID_DATABASE_NAME });
      expect(catalog.find('../etc')).toBeUndefined();
    });

    it('spawns from an upload with the uploaded file, never creating one', async () => {
      expect((await sut.spawn('notes', upload)).created).toBe(true);
      expect(pools.opened).toEqual([{ name: 'notes', create: false }]);
      expect(readdirSync(join(dataDir, 'notes'))).toEqual(['notes.db']);
    });
  });

  describe('a name that is taken', () => {
    it('refuses another spelling of an existing name, whatever the way of making it', async () => {
      await sut.spawn('notes');
      const message = "Database 'notes' exists; names are unique regardless of case.";
      expect(await failure(sut.spawn('Notes'))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message });
      expect(await failure(sut.spawn('NOTES', upload))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message });
      expect(await failure(sut.undelete('Notes'))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message });
      expect(catalog.find('Notes')).toBeUndefined();
      expect(existsSync(join(dataDir, 'Notes'))).toBe(false);
    });

    it('refuses an upload onto an existing name, running or pruned, before reading the body', async () => {
      await sut.spawn('notes');
      const message = "Database 'notes' already exists (running or pruned); spawning from an upload never overwrites. Use POST /admin/databases/notes/restore.";
      expect(await failure(sut.spawn('notes', upload))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message });
      await sut.prune('notes');
      expect(await failure(sut.spawn('notes', upload))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message });
      expect(received).toEqual([]);
    });

    it('refuses an undelete onto an existing name, and leaves the trashed copy', async () => {
      await sut.spawn('notes');
      await sut.delete('notes');
      await sut.spawn('notes');
      expect(await failure(sut.undelete('notes'))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message: "Database 'notes' exists; delete it before undeleting its trashed copy." });
      expect(await trashIds()).toHaveLength(1);
    });

    it('refuses an upload onto a stray data directory and leaves the directory as it was', async () => {
      mkdirSync(join(dataDir, 'stray'));
      writeFileSync(join(dataDir, 'stray', 'stray.db'), 'someone else');
      expect(await failure(sut.spawn('stray', upload))).toMatchObject({
        code: ErrorCode.DATABASE_EXISTS,
        message: "A data directory for 'stray' already exists; spawning from an upload never overwrites.",
      });
      expect(readdirSync(join(dataDir, 'stray'))).toEqual(['stray.db']);
      expect(catalog.find('stray')).toBeUndefined();
      expect(runtime.workers.size).toBe(0);
    });

    it('refuses an undelete onto a stray data directory, and leaves the trashed copy', async () => {
      await sut.spawn('notes');
      await sut.delete('notes');
      mkdirSync(join(dataDir, 'notes'));
      expect(await failure(sut.undelete('notes'))).toMatchObject({ code: ErrorCode.DATABASE_EXISTS, message: "A data directory for 'notes' exists; spawn it instead of undeleting." });
      expect(await trashIds()).toHaveLength(1);
    });
  });

  describe('a spawn that fails is undone', () => {
    it('when the worker does not start: no directory, no catalog entry', async () => {
      runtime.failStart = 'notes';
      expect((await failure(sut.spawn('notes'))).message).toBe('cannot start notes');
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
      expect(saved).toEqual([]);
    });

    it('when the file cannot be opened: no worker started (it comes after the file), the directory discarded, the error translated', async () => {
      pools.failOpen = 'notes';
      expect(await failure(sut.spawn('notes'))).toMatchObject({ code: ErrorCode.SQL_ERROR, message: 'SQL Error: disk I/O error' });
      expect(runtime.removed).toEqual([]);
      expect(runtime.workers.has('notes')).toBe(false);
      expect(pools.closed).toEqual(['notes']);
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
    });

    it('when the catalog cannot record it: the worker removed, the directory discarded, the catalog as it was', async () => {
      failSave = true;
      expect((await failure(sut.spawn('notes'))).message).toBe('catalog write failed');
      expect(runtime.workers.has('notes')).toBe(false);
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
    });

    it('keeps a worker that was there before, and the directory of a pruned database', async () => {
      await sut.spawn('notes');
      await sut.prune('notes');
      runtime.workers.set('notes', { database: 'notes', id: 'older', state: 'exited', image: 'img', startedAt: null, limits: null });
      pools.failOpen = 'notes';
      await failure(sut.spawn('notes'));
      expect(runtime.removed).toEqual(['notes']); // by the prune only
      expect(runtime.workers.get('notes')?.id).toBe('older');
      expect(existsSync(layout.fileOf('notes'))).toBe(true);
      expect(catalog.find('notes')?.status).toBe('pruned');
    });

    it('discards an upload onto a new name whose worker does not start', async () => {
      runtime.failStart = 'notes';
      await failure(sut.spawn('notes', upload));
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
    });
  });

  describe('prune', () => {
    it('removes the worker, marks the database pruned, closes its pool and keeps its data', async () => {
      await sut.spawn('notes');
      clock.advance(1000);
      expect(await sut.prune('notes')).toEqual({ message: 'Database instance pruned successfully.', db_name: 'notes' });
      expect(runtime.workers.has('notes')).toBe(false);
      expect(catalog.find('notes')).toMatchObject({ status: 'pruned', workerId: null, updatedAt: '2026-03-01T10:00:01.000Z' });
      expect(pools.closed).toEqual(['notes']);
      expect(existsSync(layout.fileOf('notes'))).toBe(true);
    });

    it('answers 404 for a database that is not active', async () => {
      expect(await failure(sut.prune('nope'))).toMatchObject({ code: ErrorCode.DATABASE_NOT_FOUND, message: 'Database not found.' });
      await sut.spawn('notes');
      await sut.prune('notes');
      expect(await failure(sut.prune('notes'))).toMatchObject({ code: ErrorCode.DATABASE_NOT_FOUND });
    });
  });

  describe('delete and undelete', () => {
    it('deletes into the trash: worker gone, pool closed, directory moved, catalog entry removed', async () => {
      await sut.spawn('notes');
      const receipt = await sut.delete('notes');
      expect(receipt).toMatchObject({ message: 'Database moved to the trash.', db_name: 'notes', trash_id: 'notes-20260301T100000000Z', deleted_at: '2026-03-01T10:00:00.000Z' });
      expect(runtime.workers.has('notes')).toBe(false);
      expect(pools.closed).toEqual(['notes']);
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
      expect(await trashIds()).toEqual(['notes-20260301T100000000Z']);
    });

    it('deletes a pruned database too, and answers 404 for an unknown one', async () => {
      await sut.spawn('notes');
      await sut.prune('notes');
      expect((await sut.delete('notes')).message).toBe('Database moved to the trash.');
      expect(await failure(sut.delete('nope'))).toMatchObject({ code: ErrorCode.DATABASE_NOT_FOUND });
    });

    it('undeletes the newest copy as the database it was', async () => {
      await sut.spawn('notes');
      writeFileSync(layout.fileOf('notes'), 'the rows');
      const before = catalog.find('notes')!;
      await sut.delete('notes');
      clock.advance(60_000);
      expect(await sut.undelete('notes')).toEqual({ message: 'Database restored from the trash.', db_name: 'notes', trash_id: 'notes-20260301T100000000Z', container_id: 'worker-notes-2' });
      expect(catalog.find('notes')).toMatchObject({ id: before.id, status: 'active', createdAt: before.createdAt, updatedAt: '2026-03-01T10:01:00.000Z' });
      expect(readFileSync(layout.fileOf('notes'), 'utf8')).toBe('the rows');
      expect(await trashIds()).toEqual([]);
    });

    it('puts the copy back into the trash when its spawn fails', async () => {
      await sut.spawn('notes');
      await sut.delete('notes');
      runtime.failStart = 'notes';
      expect((await failure(sut.undelete('notes'))).message).toBe('cannot start notes');
      expect(await trashIds()).toEqual(['notes-20260301T100000000Z']);
      expect(existsSync(join(dataDir, 'notes'))).toBe(false);
      expect(catalog.find('notes')).toBeUndefined();
    });

    it('answers NOT_IN_TRASH when there is nothing to undelete', async () => {
      expect(await failure(sut.undelete('notes'))).toMatchObject({ code: ErrorCode.NOT_IN_TRASH, message: "Nothing in the trash for 'notes'." });
    });
  });
});
