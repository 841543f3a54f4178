import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ErrorCode, isValidDatabaseName } from '@dbforge/contracts';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { GatewayConfig } from '../config/gateway.config';
import { DomainError } from '../common/domain.error';
import { ReplicaRestoreError, ReplicaSettings, litestreamBinary, litestreamConfig, litestreamEvent, replicaDirectory, replicaUrlOf, restoreReplica } from './litestream';

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
 * Continuous replication with Litestream, on when DBFORGE_REPLICA_URL is set (embedded runtime:
 * the gateway supervises it). One Litestream process replicates every active database: measured,
 * 200 databases take about 150 MB in one process, against about 29 MB each in a process of their
 * own. Litestream 0.3 reads its databases from a configuration file only, so when the set of active
 * databases changes (spawn, prune, delete, restore) the file is rewritten and the process restarted;
 * a restart resumes from the WAL (or starts a new generation with a snapshot), losing nothing.
 * Its log gives each database's position and errors.
 */
@Injectable()
export class ReplicationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Replication');
  readonly settings?: ReplicaSettings;
  private process?: ChildProcess;
  private replicated = new Map<string, string>(); // name → file, as the running process has them
  private readonly paused = new Set<string>();
  private readonly states = new Map<string, { position: string | null; replicatedAt: number | null; error: string | null }>();
  private watcher?: NodeJS.Timeout;
  private applying: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly config: GatewayConfig,
    private readonly catalog: CatalogService,
    private readonly layout: DatabaseLayout,
  ) {
    if (config.replicaUrl) {
      this.settings = { url: config.replicaUrl, s3Endpoint: config.replicaS3Endpoint, syncIntervalMs: config.replicaSyncIntervalMs, retentionHours: config.replicaRetentionHours };
    }
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  private get binary(): string {
    return litestreamBinary(this.config.litestreamBin);
  }

  private get configFile(): string {
    return join(this.layout.stateDir, 'litestream.yml');
  }

  /** The pid of the running Litestream: a gateway killed outright leaves it running, and the next one must stop it first. */
  private get pidFile(): string {
    return join(this.layout.stateDir, 'litestream.pid');
  }

  /** Stops a Litestream a previous gateway process left behind (two replicating one database would clash). */
  private async stopLeftover(): Promise<void> {
    const pid = Number(await readFile(this.pidFile, 'utf8').catch(() => ''));
    if (!Number.isInteger(pid) || pid <= 0) return;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes(this.configFile)) return; // gone, or another process has the pid now
    this.logger.warn(`Stopping the Litestream (pid ${pid}) a previous gateway left running.`);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').then(() => true, () => false)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(this.pidFile, { force: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings) return;
    this.binary; // fails the start-up with a clear reason when Litestream is missing
    await mkdir(this.layout.stateDir, { recursive: true });
    await this.stopLeftover();
    await this.apply();
    this.watcher = setInterval(() => void this.apply(), WATCH_MS);
    this.watcher.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watcher);
    await this.applying;
    await this.stop();
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
    return { running: this.process !== undefined, lags: [...this.replicated.keys()].map((name) => ({ name, lag_ms: this.lagOf(name), shipped: this.states.get(name)?.position != null })) };
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
    if (!this.settings) return task();
    this.paused.add(name);
    try {
      await this.apply();
      this.states.delete(name); // what it ships afterwards is a new generation: nothing of it is shipped yet
      return await task();
    } finally {
      this.paused.delete(name);
      void this.apply();
    }
  }

  /** Readiness: Litestream runs while there is anything to replicate, and no database has waited 30 s to be shipped. */
  health(): { up: boolean; detail: string } {
    if (!this.settings) return { up: true, detail: 'off (DBFORGE_REPLICA_URL unset)' };
    if (this.replicated.size > 0 && !this.process) return { up: false, detail: 'Litestream is not running; restarting it' };
    const behind = this.lagging(LAGGING_MS);
    if (behind.length > 0) return { up: false, detail: `${behind.length} database(s) not shipped for over ${LAGGING_MS / 1000} s: ${behind.slice(0, 10).map(({ name }) => name).join(', ')}` };
    return { up: true, detail: `${this.replicated.size} database(s) replicating to ${this.settings.url}` };
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

  /** Brings the running process in line with the active databases (one change at a time). */
  private apply(): Promise<void> {
    const next = this.applying.then(() => this.reconcile()).catch((error: unknown) => this.logger.error(`Replication could not be updated: ${String(error)}`));
    this.applying = next;
    return next;
  }

  private async reconcile(): Promise<void> {
    if (!this.settings || this.stopping) return;
    const wanted = new Map<string, string>();
    for (const entry of this.catalog.listActive()) if (!this.paused.has(entry.name)) wanted.set(entry.name, this.layout.fileOf(entry.name));
    await this.noteWrites(wanted);
    const same = wanted.size === this.replicated.size && [...wanted].every(([name, file]) => this.replicated.get(name) === file);
    if (same && (this.process || wanted.size === 0)) return;
    await this.stop();
    this.replicated = wanted;
    if (wanted.size === 0) return;
    await writeFile(this.configFile, litestreamConfig(this.settings, wanted));
    this.start();
  }

  private async noteWrites(databases: Map<string, string>): Promise<void> {
    await Promise.all(
      [...databases].map(async ([name, file]) => {
        const changed = await stat(`${file}-wal`).then((info) => info.mtimeMs, () => undefined);
        if (changed !== undefined) this.lastWrites.set(name, changed);
      }),
    );
  }

  private start(): void {
    const child = spawn(this.binary, ['replicate', '-config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    if (child.pid) void writeFile(this.pidFile, String(child.pid)).catch(() => undefined);
    const byFile = new Map([...this.replicated].map(([name, file]) => [file, name]));
    for (const output of [child.stdout, child.stderr]) {
      createInterface({ input: output }).on('line', (line) => this.read(line, byFile));
    }
    child.once('exit', (code, signal) => {
      if (this.process !== child) return;
      this.process = undefined;
      this.replicated = new Map(); // the next watch starts it again
      if (!this.stopping) this.logger.error(`Litestream exited (${signal ?? `code ${code}`}); restarting it.`);
    });
    this.logger.log(`Litestream replicates ${this.replicated.size} database(s) to ${this.settings!.url}.`);
  }

  private read(line: string, byFile: Map<string, string>): void {
    const event = litestreamEvent(line);
    const name = event && byFile.get(event.file);
    if (!event || !name) {
      if (/\bERROR\b/.test(line)) this.logger.warn(`Litestream: ${line}`);
      return;
    }
    const state = this.states.get(name) ?? { position: null, replicatedAt: null, error: null };
    if (event.kind === 'replicated') Object.assign(state, { position: event.position, replicatedAt: Date.now(), error: null });
    else {
      state.error = event.message;
      this.logger.warn(`Litestream, '${name}': ${event.message}`);
    }
    this.states.set(name, state);
  }

  private async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM'); // Litestream ships what it has before it exits
    });
  }
}
