import { Logger } from '@nestjs/common';
import { litestreamEvent } from '../../replication/litestream';
import { LitestreamHost, LitestreamReport } from '../../replication/litestream-host';
import { DockerRuntime } from './docker.runtime';

/** How soon the output of a worker that stopped (a restart, a pause) is followed again. */
const REFOLLOW_MS = 1_000;

/**
 * Litestream in each database's worker container (Docker runtime): the worker's command is
 * `litestream replicate` for its own database (see worker-replication.ts), the gateway follows its
 * output for positions and errors. Pausing a database stops its worker; resuming starts it again.
 */
export class WorkerLitestream implements LitestreamHost {
  readonly where = 'the worker containers';
  private readonly logger = new Logger('Replication');
  private readonly followed = new Map<string, { abort: AbortController; open: boolean; lastLine: string }>();

  constructor(
    private readonly runtime: DockerRuntime,
    private readonly report: LitestreamReport,
  ) {}

  get running(): boolean {
    return [...this.followed.values()].every(({ open }) => open);
  }

  async replicate(databases: Map<string, string>): Promise<void> {
    for (const name of databases.keys()) if (!this.followed.has(name)) this.follow(name);
    for (const [name, follow] of this.followed) {
      if (databases.has(name)) continue;
      follow.abort.abort();
      this.followed.delete(name);
    }
  }

  pause(name: string): Promise<void> {
    return this.runtime.stop(name);
  }

  async resume(name: string): Promise<void> {
    await this.runtime.start(name);
  }

  async close(): Promise<void> {
    for (const { abort } of this.followed.values()) abort.abort();
    this.followed.clear();
  }

  /**
   * Follows the worker's output while the database replicates, again after each stop; lines of the
   * last seconds come first, and a line already read (a follow again replays the last second) is skipped.
   */
  private follow(name: string): void {
    const follow = { abort: new AbortController(), open: false, lastLine: '' };
    this.followed.set(name, follow);
    let since = Math.floor(Date.now() / 1000) - 10;
    const loop = async () => {
      while (!follow.abort.signal.aborted) {
        const from = since;
        since = Math.floor(Date.now() / 1000);
        try {
          await this.runtime.followOutput(name, from, { onOpen: () => (follow.open = true), onLine: (at, line) => this.read(name, at, line, follow), signal: follow.abort.signal });
        } catch {
          // a missing or unreachable worker: tried again below
        }
        follow.open = false;
        if (!follow.abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, REFOLLOW_MS).unref());
      }
    };
    void loop();
  }

  private read(name: string, at: string, line: string, follow: { lastLine: string }): void {
    if (at <= follow.lastLine) return;
    follow.lastLine = at;
    const event = litestreamEvent(line);
    if (event) this.report(name, event);
    else if (/\bERROR\b/.test(line)) this.logger.warn(`Litestream, '${name}': ${line}`);
  }
}
