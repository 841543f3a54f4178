import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogRepository } from '../catalog/catalog.repository';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { DatabaseLocks } from '../catalog/database-locks';
import { ReconciliationService } from './reconciliation.service';
import { ContainerRuntime, RuntimeHealth, WorkerInfo } from './runtime/container-runtime.port';
import { V1LayoutImporter } from './v1-layout.importer';

/** A runtime whose workers are whatever the test says; records what it was asked to do. */
class FakeRuntime extends ContainerRuntime {
  readonly kind = 'docker' as const;
  readonly workers = new Map<string, WorkerInfo>();
  readonly started: string[] = [];
  failStart?: string;
  private counter = 0;

  set(database: string, state: string): WorkerInfo {
    const worker = { database, id: `id-${database}-${++this.counter}`, state, image: 'img', startedAt: null, limits: null };
    this.workers.set(database, worker);
    return worker;
  }

  async start(database: string): Promise<WorkerInfo> {
    if (this.failStart === database) throw new Error(`cannot start ${database}`);
    this.started.push(database);
    const existing = this.workers.get(database);
    if (existing) {
      existing.state = 'running';
      return existing;
    }
    return this.set(database, 'running');
  }

  async remove(database: string): Promise<void> {
    this.workers.delete(database);
  }

  async inspect(database: string): Promise<WorkerInfo> {
    return this.workers.get(database) ?? { database, id: null, state: 'missing', image: null, startedAt: null, limits: null };
  }

  async list(): Promise<WorkerInfo[]> {
    return [...this.workers.values()];
  }

  async health(): Promise<RuntimeHealth> {
    return { up: true, detail: 'fake' };
  }

  watch(): () => void {
    return () => undefined;
  }
}

class MemoryCatalogRepository extends CatalogRepository {
  constructor(readonly rows: CatalogEntry[]) {
    super();
  }
  async open(): Promise<CatalogEntry[]> {
    return this.rows;
  }
  async save(entry: CatalogEntry): Promise<void> {
    const index = this.rows.findIndex((row) => row.name === entry.name);
    if (index === -1) this.rows.push(entry);
    else this.rows[index] = entry;
  }
  async close(): Promise<void> {}
  async remove(name: string): Promise<void> {
    this.rows.splice(this.rows.findIndex((row) => row.name === name), 1);
  }
}

const entry = (name: string, status: 'active' | 'pruned', workerId: string | null = null): CatalogEntry => ({
  id: `db_${name}`,
  name,
  status,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  workerId,
  runtime: 'docker',
});

describe('ReconciliationService', () => {
  let dataDir: string;
  let runtime: FakeRuntime;
  let repository: MemoryCatalogRepository;
  let catalog: CatalogService;
  let layout: DatabaseLayout;
  let sut: ReconciliationService;

  async function build(rows: CatalogEntry[]): Promise<void> {
    repository = new MemoryCatalogRepository(rows);
    catalog = new CatalogService(repository);
    await catalog.onModuleInit();
    layout = new DatabaseLayout(loadGatewayConfig({ DBFORGE_DATA_DIR: dataDir }));
    sut = new ReconciliationService(catalog, layout, runtime, new DatabaseLocks(), new V1LayoutImporter(layout, catalog, runtime));
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dbforge-reconcile-'));
    runtime = new FakeRuntime();
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps running workers, restarts stopped ones and recreates missing ones', async () => {
    const up = runtime.set('up', 'running');
    runtime.set('stopped', 'exited');
    await build([entry('up', 'active', up.id), entry('stopped', 'active'), entry('gone', 'active', 'old-id')]);

    const report = await sut.reconcile();

    expect(report).toEqual({ running: ['up'], adopted: [], restarted: ['stopped'], recreated: ['gone'], orphans: [], failed: [] });
    expect(runtime.started.sort()).toEqual(['gone', 'stopped']);
    expect(catalog.find('gone')?.workerId).toBe(runtime.workers.get('gone')?.id);
    expect(catalog.find('gone')?.workerId).not.toBe('old-id');
  });

  it('never starts the worker of a pruned database; reports it as an orphan and leaves it', async () => {
    runtime.set('old', 'running');
    await build([entry('old', 'pruned')]);
    const report = await sut.reconcile();
    expect(report.orphans).toEqual(['old']);
    expect(runtime.workers.get('old')?.state).toBe('running');
    expect(catalog.find('old')?.status).toBe('pruned');
  });

  it('adopts a running labelled worker whose database file exists but the catalog does not know', async () => {
    const worker = runtime.set('found', 'running');
    mkdirSync(join(dataDir, 'found'));
    writeFileSync(join(dataDir, 'found', 'found.db'), '');
    runtime.set('nodata', 'running');
    runtime.set('stoppedstray', 'exited');
    mkdirSync(join(dataDir, 'stoppedstray'));
    writeFileSync(join(dataDir, 'stoppedstray', 'stoppedstray.db'), '');
    await build([]);

    const report = await sut.reconcile();

    expect(report.adopted).toEqual(['found']);
    expect(report.orphans.sort()).toEqual(['nodata', 'stoppedstray']);
    expect(catalog.find('found')).toMatchObject({ status: 'active', workerId: worker.id });
    expect(repository.rows.map((row) => row.name)).toEqual(['found']);
  });

  it('reports a database it cannot repair, and goes on with the others', async () => {
    runtime.failStart = 'broken';
    await build([entry('broken', 'active'), entry('fine', 'active')]);
    const report = await sut.reconcile();
    expect(report.failed).toEqual([{ database: 'broken', reason: 'cannot start broken' }]);
    expect(report.recreated).toEqual(['fine']);
  });

  it('repairs one database after an engine event, and ignores events for inactive ones', async () => {
    runtime.set('evented', 'exited');
    runtime.set('pruned', 'exited');
    await build([entry('evented', 'active'), entry('pruned', 'pruned')]);
    await sut.reconcileOne('evented');
    await sut.reconcileOne('pruned');
    await sut.reconcileOne('unknown');
    expect(runtime.started).toEqual(['evented']);
  });
});
