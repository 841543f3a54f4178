import { Injectable } from '@nestjs/common';
import { ContainerRuntime, RuntimeHealth, WorkerInfo } from './container-runtime.port';

/**
 * No containers: the gateway process itself holds each started database. A database is `running`
 * once started in this process and `missing` otherwise (after a restart, reconciliation starts it
 * again). For machines without Docker.
 */
@Injectable()
export class EmbeddedRuntime extends ContainerRuntime {
  readonly kind = 'embedded' as const;
  private readonly started = new Map<string, string>();

  start(database: string): Promise<WorkerInfo> {
    if (!this.started.has(database)) this.started.set(database, new Date().toISOString());
    return this.inspect(database);
  }

  remove(database: string): Promise<void> {
    this.started.delete(database);
    return Promise.resolve();
  }

  inspect(database: string): Promise<WorkerInfo> {
    const startedAt = this.started.get(database) ?? null;
    return Promise.resolve({ database, id: null, state: startedAt ? 'running' : 'missing', image: null, startedAt, limits: null });
  }

  list(): Promise<WorkerInfo[]> {
    return Promise.all([...this.started.keys()].map((database) => this.inspect(database)));
  }

  health(): Promise<RuntimeHealth> {
    return Promise.resolve({ up: true, detail: 'embedded: databases are held by the gateway process' });
  }

  watch(): () => void {
    return () => undefined; // nothing in this process dies on its own
  }
}
