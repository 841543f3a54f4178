import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, isValidDatabaseName } from '@dbforge/contracts';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { GatewayConfig } from '../config/gateway.config';
import { DomainError } from '../common/domain.error';
import { GatewayLitestream } from './gateway-litestream';
import { LitestreamEvent, ReplicaRestoreError, ReplicaSettings, litestreamBinary, replicaDirectory, replicaSettingsOf, replicaUrlOf, restoreReplica } from './litestream';
import { LitestreamHost, LitestreamReport } from './litestream-host';

/** What the gateway knows of one database's replication. */
export interface ReplicationState {
  replica: string;
  /** Litestream's position: `<generation>/<WAL index>:<offset>` of the last frames shipped. */
  position: string | null;
  replicated_at: string | null;
  /** How long the database's newest write has waited to be shipped (0: all shipped). */
  lag_ms: number;
  last_error: string | null;
}

/** A database whose newest write has waited this long to be shipped makes the gateway unready. */
const LAGGING_MS = 30_000;

/** How often the set of active databases is compared with what Litestream replicates. */
const WATCH_MS = 500;

/**
 * Continuous replication with Litestream, on when DBFORGE_REPLICA_URL is set. Litestream runs in the
 * gateway (embedded runtime, one process for all databases: GatewayLitestream) or in each database's
 * worker container (Docker runtime: the orchestrator hands a host over with `runIn`). Either way its
 * log gives each database's position and errors, and this service keeps them, the lag, readiness,
 * and the restores from the replica.
 */
@Injectable()
export class ReplicationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Replication');
  readonly settings?: ReplicaSettings;
  private host?: LitestreamHost;
  private replicated = new Map<string, string>(); // name → file, as last handed to the host
  private readonly states = new Map<string, { position: string | null; replicatedAt: number | null; error: string | null }>();
  private watcher?: NodeJS.Timeout;
  private applying: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly config: GatewayConfig,
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
  ) {
    this.settings = replicaSettingsOf(config);
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  private get binary(): string {
    return litestreamBinary(this.config.litestreamBin);
  }

  /** What hosts call with each of Litestream's log events about a database. */
  readonly report: LitestreamReport = (name: string, event: LitestreamEvent) => {
    const state = this.states.get(name) ?? { position: null, replicatedAt: null, error: null };
    if (event.kind === 'replicated') Object.assign(state, { position: event.position, replicatedAt: Date.now(), error: null });
    else {
      state.error = event.message;
      this.logger.warn(`Litestream, '${name}': ${event.message}`);
    }
    this.states.set(name, state);
  };

  /** Litestream runs in `host` rather than in the gateway (before the application starts: the worker containers of the Docker runtime). */
  runIn(host: LitestreamHost): void {
    this.host = host;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings) return;
    this.binary; // fails the start-up with a clear reason when Litestream is missing (restores use it)
    await mkdir(this.layout.stateDir, { recursive: true });
    if (!this.host) {
      const own = new GatewayLitestream(this.settings, this.binary, this.layout.stateDir, this.report);
      await own.stopLeftover();
      this.host = own;
    }
    this.logger.log(`Replicating to ${this.settings.url}; Litestream runs in ${this.host.where}.`);
    await this.apply();
    this.watcher = setInterval(() => void this.apply(), WATCH_MS);
    this.watcher.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watcher);
    await this.applying;
    await this.host?.close();
  }

  /** Replication state of `name`, or null when replication is off. */
  stateOf(name: string): ReplicationState | null {
    if (!this.settings) return null;
    const state = this.states.get(name);
    return {
      replica: replicaUrlOf(this.settings, name),
      position: state?.position ?? null,
      replicated_at: state?.replicatedAt ? new Date(state.replicatedAt).toISOString() : null,
      lag_ms: this.lagOf(name),
      last_error: state?.error ?? null,
    };
  }

  /** Every replicated database with its lag, and whether Litestream runs (for the metrics). */
  get replicating(): { running: boolean; lags: { name: string; lag_ms: number; shipped: boolean }[] } {
    return { running: this.host?.running ?? false, lags: [...this.replicated.keys()].map((name) => ({ name, lag_ms: this.lagOf(name), shipped: this.states.get(name)?.position != null })) };
  }

  /** Databases with a newest write not yet shipped for longer than `thresholdMs`, with their lag. */
  lagging(thresholdMs: number): { name: string; lag_ms: number }[] {
    return [...this.replicated.keys()].map((name) => ({ name, lag_ms: this.lagOf(name) })).filter(({ lag_ms }) => lag_ms > thresholdMs);
  }

  private lagOf(name: string): number {
    const written = this.lastWrites.get(name);
    const shipped = this.states.get(name)?.replicatedAt ?? 0;
    return written !== undefined && written > shipped ? Math.max(0, Date.now() - written) : 0;
  }

  /** When each replicated database's WAL last changed (read on each watch). */
  private readonly lastWrites = new Map<string, number>();

  /**
   * Runs `task` with `name` out of replication (Litestream holds a read transaction on each database
   * it replicates, which a file swap's TRUNCATE checkpoint must not meet), and puts it back after.
   */
  async without<T>(name: string, task: () => Promise<T>): Promise<T> {
    const host = this.host;
    if (!this.settings || !host) return task();
    await this.after(() => host.pause(name));
    try {
      this.states.delete(name); // what it ships afterwards is a new generation: nothing of it is shipped yet
      return await task();
    } finally {
      await this.after(() => host.resume(name));
    }
  }

  /** Readiness: Litestream runs while there is anything to replicate, and no database has waited 30 s to be shipped. */
  health(): { up: boolean; detail: string } {
    if (!this.settings) return { up: true, detail: 'off (DBFORGE_REPLICA_URL unset)' };
    if (this.host && !this.host.running) return { up: false, detail: `Litestream is not running in ${this.host.where} for every database; restarting it` };
    const behind = this.lagging(LAGGING_MS);
    if (behind.length > 0) return { up: false, detail: `${behind.length} database(s) not shipped for over ${LAGGING_MS / 1000} s: ${behind.slice(0, 10).map(({ name }) => name).join(', ')}` };
    return { up: true, detail: `${this.replicated.size} database(s) replicating to ${this.settings.url} (Litestream in ${this.host?.where ?? 'the gateway'})` };
  }

  /** Removes the replica of `name` (a purge), unless a database of that name is active again: only `file://` stores. */
  async removeReplica(name: string): Promise<void> {
    const directory = this.settings && replicaDirectory(this.settings);
    if (!directory || this.catalog.find(name)) return;
    await rm(join(directory, name), { recursive: true, force: true });
  }

  /** Point-in-time restores, branches and recoveries need the continuous replica. */
  requireEnabled(): void {
    if (!this.settings) {
      throw new DomainError(ErrorCode.REPLICATION_OFF, 'This needs continuous replication: start the gateway with DBFORGE_REPLICA_URL (file:///<dir> or s3://<bucket>/<prefix>).');
    }
  }

  /**
   * Restores the replica of `name` into `output`, as of `timestamp` or the latest; a replica with
   * nothing for that moment is 404 REPLICA_NOT_FOUND, in Litestream's words.
   */
  async restore(name: string, output: string, timestamp?: Date): Promise<void> {
    this.requireEnabled();
    try {
      await this.restoreFromLitestream(name, output, timestamp);
    } catch (error) {
      if (!(error instanceof ReplicaRestoreError)) throw error;
      const moment = timestamp ? ` at ${timestamp.toISOString()}` : '';
      throw new DomainError(ErrorCode.REPLICA_NOT_FOUND, `The replica has no copy of '${name}'${moment} (${error.message}).`);
    }
  }

  private async restoreFromLitestream(name: string, output: string, timestamp?: Date): Promise<void> {
    if (!this.settings) return;
    // The latest state of a database replicating now is in the generation it ships to.
    const generation = this.states.get(name)?.position?.split('/')[0];
    await restoreReplica(this.binary, this.settings, name, this.layout.fileOf(name), output, `${output}.litestream.yml`, { timestamp, generation });
  }

  /** The names of the databases a `file://` replica store holds (undefined for S3, which is not listed). */
  async replicaNames(): Promise<string[] | undefined> {
    const directory = this.settings && replicaDirectory(this.settings);
    if (!directory) return undefined;
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isDirectory() && isValidDatabaseName(entry.name)).map((entry) => entry.name).sort();
  }

  /** Runs `change` after the changes before it (one at a time, with the watch). */
  private after(change: () => Promise<void>): Promise<void> {
    const next = this.applying.then(change);
    this.applying = next.catch((error: unknown) => this.logger.error(`Replication could not be updated: ${String(error)}`));
    return next;
  }

  /** Hands the active databases to the host. */
  private apply(): Promise<void> {
    return this.after(() => this.reconcile()).catch(() => undefined);
  }

  private async reconcile(): Promise<void> {
    if (!this.settings || !this.host || this.stopping) return;
    const wanted = new Map<string, string>();
    for (const entry of this.catalog.listActive()) wanted.set(entry.name, this.layout.fileOf(entry.name));
    await this.noteWrites(wanted);
    this.replicated = wanted;
    await this.host.replicate(wanted);
  }

  private async noteWrites(databases: Map<string, string>): Promise<void> {
    await Promise.all(
      [...databases].map(async ([name, file]) => {
        const changed = await stat(`${file}-wal`).then((info) => info.mtimeMs, () => undefined);
        if (changed !== undefined) this.lastWrites.set(name, changed);
      }),
    );
  }
}
