import { Injectable } from '@nestjs/common';
import { HealthCheckDto, HealthIndicatorDto } from '@dbforge/contracts';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { describeAuthMode } from '../config/auth-mode';
import { GatewayConfig } from '../config/gateway.config';
import { ContainerRuntime } from '../orchestrator/runtime/container-runtime.port';
import { ReplicationService } from '../replication/replication.service';

const FILE_CHECKS_AT_ONCE = 64;
const SHOWN_MISSING = 20;

/** Liveness and readiness in the shape of @nestjs/terminus. */
@Injectable()
export class HealthService {
  constructor(
    private readonly layout: DatabaseLayout,
    private readonly catalog: CatalogService,
    private readonly runtime: ContainerRuntime,
    private readonly config: GatewayConfig,
    private readonly replication: ReplicationService,
  ) {}

  live(): HealthCheckDto {
    return summarize({ process: { status: 'up', detail: `pid ${process.pid}` } });
  }

  /**
   * Ready when the data directory is writable, the catalog is open, the runtime answers and every
   * active database has its file. Without `details`, each check says only `up` or `down`.
   */
  async ready({ details }: { details: boolean }): Promise<HealthCheckDto> {
    const [dataDir, runtime, databaseFiles] = await Promise.all([
      access(this.layout.dataDir, constants.W_OK).then(
        (): HealthIndicatorDto => ({ status: 'up', detail: this.layout.dataDir }),
        (error: unknown): HealthIndicatorDto => ({ status: 'down', detail: `${this.layout.dataDir} is not writable: ${String(error)}` }),
      ),
      this.runtime.health(),
      this.databaseFiles(),
    ]);
    const checks: Record<string, HealthIndicatorDto> = {
      data_dir: dataDir,
      catalog: this.catalog.isOpen ? { status: 'up', detail: `${this.catalog.listActive().length} active database(s)` } : { status: 'down', detail: 'catalog not open' },
      runtime: { status: runtime.up ? 'up' : 'down', detail: `${this.runtime.kind}: ${runtime.detail}` },
      database_files: databaseFiles,
      auth: { status: 'up', detail: describeAuthMode(this.config) },
      replication: ((health) => ({ status: health.up ? ('up' as const) : ('down' as const), detail: health.detail }))(this.replication.health()),
    };
    return summarize(details ? checks : Object.fromEntries(Object.entries(checks).map(([name, { status }]) => [name, { status }])));
  }

  /** Down when an active database's file is gone: its queries answer 503 DATABASE_FILE_MISSING until it is restored or deleted. */
  private async databaseFiles(): Promise<HealthIndicatorDto> {
    const names = this.catalog.listActive().map((entry) => entry.name);
    const missing: string[] = [];
    for (let start = 0; start < names.length; start += FILE_CHECKS_AT_ONCE) {
      const batch = names.slice(start, start + FILE_CHECKS_AT_ONCE);
      const gone = await Promise.all(batch.map((name) => this.layout.isFileMissing(name)));
      missing.push(...batch.filter((_, index) => gone[index]));
    }
    if (missing.length === 0) return { status: 'up', detail: `${names.length} active database file(s) present` };
    const shown = missing.slice(0, SHOWN_MISSING).join(', ') + (missing.length > SHOWN_MISSING ? `, and ${missing.length - SHOWN_MISSING} more` : '');
    return { status: 'down', detail: `${missing.length} active database(s) without a database file (restore or delete them): ${shown}` };
  }
}

function summarize(details: Record<string, HealthIndicatorDto>): HealthCheckDto {
  const entries = Object.entries(details);
  const info = Object.fromEntries(entries.filter(([, indicator]) => indicator.status === 'up'));
  const error = Object.fromEntries(entries.filter(([, indicator]) => indicator.status === 'down'));
  return { status: Object.keys(error).length === 0 ? 'ok' : 'error', info, error, details };
}
