import { Injectable } from '@nestjs/common';
import { HealthCheckDto, HealthIndicatorDto } from '@dbforge/contracts';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { ApiKeysService } from '../auth/api-keys.service';
import { CatalogService } from '../catalog/catalog.service';
import { DatabaseLayout } from '../catalog/database-layout';
import { ContainerRuntime } from '../orchestrator/runtime/container-runtime.port';

/** Liveness and readiness in the shape of @nestjs/terminus. */
@Injectable()
export class HealthService {
  constructor(
    private readonly layout: DatabaseLayout,
    private readonly catalog: CatalogService,
    private readonly runtime: ContainerRuntime,
    private readonly keys: ApiKeysService,
  ) {}

  live(): HealthCheckDto {
    return summarize({ process: { status: 'up', detail: `pid ${process.pid}` } });
  }

  /** Ready when the data directory is writable, the catalog is open and the runtime answers. */
  async ready(): Promise<HealthCheckDto> {
    const [dataDir, runtime] = await Promise.all([
      access(this.layout.dataDir, constants.W_OK).then(
        (): HealthIndicatorDto => ({ status: 'up', detail: this.layout.dataDir }),
        (error: unknown): HealthIndicatorDto => ({ status: 'down', detail: `${this.layout.dataDir} is not writable: ${String(error)}` }),
      ),
      this.runtime.health(),
    ]);
    return summarize({
      data_dir: dataDir,
      catalog: this.catalog.isOpen ? { status: 'up', detail: `${this.catalog.listActive().length} active database(s)` } : { status: 'down', detail: 'catalog not open' },
      runtime: { status: runtime.up ? 'up' : 'down', detail: `${this.runtime.kind}: ${runtime.detail}` },
      auth: {
        status: 'up',
        detail: this.keys.open ? 'open: DBFORGE_ADMIN_KEY is not set, every endpoint is open to anyone who can reach it' : 'keys required',
      },
    });
  }
}

function summarize(details: Record<string, HealthIndicatorDto>): HealthCheckDto {
  const entries = Object.entries(details);
  const info = Object.fromEntries(entries.filter(([, indicator]) => indicator.status === 'up'));
  const error = Object.fromEntries(entries.filter(([, indicator]) => indicator.status === 'down'));
  return { status: Object.keys(error).length === 0 ? 'ok' : 'error', info, error, details };
}
