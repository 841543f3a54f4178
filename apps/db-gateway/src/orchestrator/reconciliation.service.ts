import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ReconcileReportDto, isValidDatabaseName } from '@dbforge/contracts';
import { existsSync } from 'node:fs';
import { CatalogService } from '../catalog/catalog.service';
import { newDatabaseId } from '../catalog/catalog-entry';
import { DatabaseLayout } from '../catalog/database-layout';
import { DatabaseLocks } from '../catalog/database-locks';
import { ContainerRuntime, WorkerInfo } from './runtime/container-runtime.port';
import { V1LayoutImporter } from './v1-layout.importer';

const emptyReport = (): ReconcileReportDto => ({ running: [], adopted: [], restarted: [], recreated: [], orphans: [], failed: [] });

/**
 * Makes the workers match the catalog: at startup, on demand, and whenever the engine reports that
 * a worker died or vanished. Active databases get their worker back (started or created again);
 * running labelled workers whose database directory exists but which the catalog does not know are
 * adopted; anything else labelled is reported as an orphan and left alone, data included.
 */
@Injectable()
export class ReconciliationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconciliationService.name);
  private stopWatching?: () => void;

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly runtime: ContainerRuntime,
    private readonly locks: DatabaseLocks,
    private readonly importer: V1LayoutImporter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.importer.importAll();
    // In the background: the gateway serves queries even while the engine is slow or away.
    void this.reconcileAtStartup();
    this.stopWatching = this.runtime.watch((database) => {
      this.reconcileOne(database).catch((error: unknown) => this.logger.warn(`Reconciling '${database}' failed: ${String(error)}`));
    });
  }

  private async reconcileAtStartup(): Promise<void> {
    try {
      const report = await this.reconcile();
      const changed = report.adopted.length + report.restarted.length + report.recreated.length + report.orphans.length + report.failed.length > 0;
      this.logger[changed ? 'log' : 'debug'](
        `Reconciled: ${report.running.length} running, ${report.adopted.length} adopted, ${report.restarted.length} restarted, ` +
          `${report.recreated.length} recreated, ${report.orphans.length} orphan(s), ${report.failed.length} failed.`,
      );
    } catch (error) {
      this.logger.warn(`Reconciliation at startup failed (${error instanceof Error ? error.message : String(error)}); queries still work, POST /admin/reconcile retries.`);
    }
  }

  onApplicationShutdown(): void {
    this.stopWatching?.();
  }

  async reconcile(): Promise<ReconcileReportDto> {
    const workers = await this.runtime.list();
    const report = emptyReport();
    const byDatabase = new Map(workers.map((worker) => [worker.database, worker]));
    for (const entry of this.catalog.listActive()) {
      await this.locks.run(entry.name, () => this.repair(entry.name, byDatabase.get(entry.name), report));
    }
    for (const worker of workers) {
      if (this.catalog.find(worker.database)?.status === 'active') continue;
      await this.locks.run(worker.database, () => this.adoptOrReport(worker, report));
    }
    return report;
  }

  /** Reconciles one database after an engine event. */
  async reconcileOne(database: string): Promise<void> {
    await this.locks.run(database, async () => {
      if (this.catalog.find(database)?.status !== 'active') return;
      const report = emptyReport();
      await this.repair(database, await this.runtime.inspect(database), report);
      const done = [...report.restarted, ...report.recreated];
      if (done.length > 0) this.logger.log(`Worker of '${database}' was down; ${report.recreated.length ? 'recreated' : 'restarted'} it.`);
      for (const failure of report.failed) this.logger.warn(`Worker of '${failure.database}' is down: ${failure.reason}`);
    });
  }

  private async repair(database: string, worker: WorkerInfo | undefined, report: ReconcileReportDto): Promise<void> {
    const entry = this.catalog.find(database);
    if (entry?.status !== 'active') return;
    try {
      const state = worker?.state ?? 'missing';
      if (state === 'running') {
        report.running.push(database);
      } else {
        worker = await this.runtime.start(database);
        (state === 'missing' ? report.recreated : report.restarted).push(database);
      }
      if (worker && worker.id !== entry.workerId) {
        await this.catalog.save({ ...entry, workerId: worker.id, updatedAt: new Date().toISOString() });
      }
    } catch (error) {
      report.failed.push({ database, reason: error instanceof Error ? error.message : String(error) });
    }
  }

  private async adoptOrReport(worker: WorkerInfo, report: ReconcileReportDto): Promise<void> {
    const known = this.catalog.find(worker.database);
    const adoptable =
      !known && worker.state === 'running' && isValidDatabaseName(worker.database) && existsSync(this.layout.fileOf(worker.database));
    if (!adoptable) {
      report.orphans.push(worker.database || worker.id || 'unlabelled');
      return;
    }
    const now = new Date().toISOString();
    await this.catalog.save({ id: newDatabaseId(), name: worker.database, status: 'active', createdAt: now, updatedAt: now, workerId: worker.id, runtime: this.runtime.kind });
    report.adopted.push(worker.database);
  }
}
