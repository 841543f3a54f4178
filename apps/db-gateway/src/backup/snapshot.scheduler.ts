import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { GatewayConfig } from '../config/gateway.config';
import { SnapshotStore } from './snapshot.store';

export interface SnapshotRound {
  /** Databases snapshotted this round. */
  taken: string[];
  /** Databases left alone: not written since their newest snapshot. */
  unchanged: string[];
  /** Databases whose snapshot failed (logged; the next round tries again). */
  failed: string[];
}

/**
 * Every DBFORGE_SNAPSHOT_INTERVAL_MINUTES (0: never), snapshots each active database written since its
 * newest snapshot, then keeps only the newest DBFORGE_SNAPSHOT_RETENTION `scheduled` ones. Rounds never
 * overlap (a round still running when the timer fires is left to finish); failures are logged, not thrown.
 */
@Injectable()
export class SnapshotScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SnapshotScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<SnapshotRound>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
    private readonly snapshots: SnapshotStore,
    private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.snapshotIntervalMinutes <= 0) return;
    this.timer = setInterval(() => void this.runRound(), this.config.snapshotIntervalMinutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs one round now, or joins the one already running. */
  runRound(): Promise<SnapshotRound> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<SnapshotRound> {
    const result: SnapshotRound = { taken: [], unchanged: [], failed: [] };
    for (const { name } of this.catalog.listActive()) {
      try {
        if (!(await this.writtenSinceLastSnapshot(name))) {
          result.unchanged.push(name);
          continue;
        }
        await this.snapshots.create(name, 'scheduled');
        await this.snapshots.prune(name, 'scheduled', this.config.snapshotRetention);
        result.taken.push(name);
      } catch (error) {
        result.failed.push(name);
        this.logger.error(`Scheduled snapshot of '${name}' failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (result.taken.length + result.failed.length > 0) {
      this.logger.log(`Snapshot round: ${result.taken.length} taken, ${result.unchanged.length} unchanged, ${result.failed.length} failed.`);
    }
    return result;
  }

  /**
   * Whether the database file or its WAL changed after its newest snapshot (of any reason) was taken.
   * A write reaches the WAL first, a checkpoint the file, so their modification times tell; a
   * checkpoint of older writes may cause one extra snapshot, never a missed one.
   */
  private async writtenSinceLastSnapshot(name: string): Promise<boolean> {
    const [newest] = await this.snapshots.snapshotsOf(name);
    if (!newest) return true;
    const file = this.layout.fileOf(name);
    const modified = (path: string) => stat(path).then((info) => info.mtimeMs, () => 0);
    const [database, wal] = await Promise.all([modified(file), modified(`${file}-wal`)]);
    return Math.max(database, wal) >= Date.parse(newest.created_at);
  }
}
