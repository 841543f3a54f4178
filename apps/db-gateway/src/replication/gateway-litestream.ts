import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ReplicaSettings, litestreamConfig, litestreamEvent, writeLitestreamConfig } from './litestream';
import { LitestreamHost, LitestreamReport } from './litestream-host';

/**
 * Litestream as a child of the gateway (embedded runtime): one process replicates every active
 * database. Measured: 200 databases take about 150 MB in one process, against about 29 MB each in a
 * process of their own. Litestream 0.3 reads its databases from a configuration file only, so when
 * the set changes (spawn, prune, delete, restore) the file is rewritten and the process restarted;
 * a restart resumes from the WAL (or starts a new generation with a snapshot), losing nothing.
 */
export class GatewayLitestream implements LitestreamHost {
  readonly where = 'the gateway';
  private readonly logger = new Logger('Replication');
  private process?: ChildProcess;
  private replicated = new Map<string, string>(); // name → file, as the running process has them
  private wanted = new Map<string, string>();
  private readonly paused = new Set<string>();
  private stopping = false;

  constructor(
    private readonly settings: ReplicaSettings,
    private readonly binary: string,
    private readonly stateDir: string,
    private readonly report: LitestreamReport,
  ) {}

  private get configFile(): string {
    return join(this.stateDir, 'litestream.yml');
  }

  /** The pid of the running Litestream: a gateway killed outright leaves it running, and the next one must stop it first. */
  private get pidFile(): string {
    return join(this.stateDir, 'litestream.pid');
  }

  get running(): boolean {
    return this.process !== undefined || [...this.wanted.keys()].every((name) => this.paused.has(name));
  }

  /** Stops a Litestream a previous gateway process left behind (two replicating one database would clash). */
  async stopLeftover(): Promise<void> {
    const pid = Number(await readFile(this.pidFile, 'utf8').catch(() => ''));
    if (!Number.isInteger(pid) || pid <= 0) return;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes(this.configFile)) return; // gone, or another process has the pid now
    this.logger.warn(`Stopping the Litestream (pid ${pid}) a previous gateway left running.`);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').then(() => true, () => false)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(this.pidFile, { force: true });
  }

  async replicate(databases: Map<string, string>): Promise<void> {
    this.wanted = databases;
    if (this.stopping) return;
    const wanted = new Map([...databases].filter(([name]) => !this.paused.has(name)));
    const same = wanted.size === this.replicated.size && [...wanted].every(([name, file]) => this.replicated.get(name) === file);
    if (same && (this.process || wanted.size === 0)) return;
    await this.stop();
    this.replicated = wanted;
    if (wanted.size === 0) return;
    await writeLitestreamConfig(this.configFile, litestreamConfig(this.settings, wanted));
    this.start();
  }

  async pause(name: string): Promise<void> {
    this.paused.add(name);
    await this.replicate(this.wanted);
  }

  async resume(name: string): Promise<void> {
    this.paused.delete(name);
    await this.replicate(this.wanted);
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.stop();
  }

  private start(): void {
    const child = spawn(this.binary, ['replicate', '-config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    if (child.pid) void writeFile(this.pidFile, String(child.pid)).catch(() => undefined);
    const byFile = new Map([...this.replicated].map(([name, file]) => [file, name]));
    for (const output of [child.stdout, child.stderr]) {
      createInterface({ input: output }).on('line', (line) => {
        const event = litestreamEvent(line);
        const name = event && byFile.get(event.file);
        if (event && name) this.report(name, event);
        else if (/\bERROR\b/.test(line)) this.logger.warn(`Litestream: ${line}`);
      });
    }
    child.once('exit', (code, signal) => {
      if (this.process !== child) return;
      this.process = undefined;
      this.replicated = new Map(); // the next watch starts it again
      if (!this.stopping) this.logger.error(`Litestream exited (${signal ?? `code ${code}`}); restarting it.`);
    });
    this.logger.log(`Litestream replicates ${this.replicated.size} database(s) to ${this.settings.url}.`);
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
