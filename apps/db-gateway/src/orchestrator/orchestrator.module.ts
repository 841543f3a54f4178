import { Module, OnModuleInit } from '@nestjs/common';
import { BackupModule } from '../backup/backup.module';
import { CatalogModule } from '../catalog/catalog.module';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { ReplicationModule } from '../replication/replication.module';
import { ReplicationService } from '../replication/replication.service';
import { DatabaseDetailsService } from './database-details.service';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import { DatabaseTrash } from './database-trash';
import { ReconciliationService } from './reconciliation.service';
import { ContainerRuntime } from './runtime/container-runtime.port';
import { DockerRuntime } from './runtime/docker.runtime';
import { createContainerRuntime } from './runtime/runtime.factory';
import { WorkerLitestream } from './runtime/worker-litestream';
import { V1LayoutImporter } from './v1-layout.importer';

/** Databases' lifecycle and their workers, behind the ContainerRuntime port (embedded or Docker). */
@Module({
  imports: [CatalogModule, DataPlaneModule, BackupModule, ReplicationModule],
  providers: [
    DatabaseLifecycleService,
    DatabaseDetailsService,
    DatabaseTrash,
    ReconciliationService,
    V1LayoutImporter,
    { provide: ContainerRuntime, useFactory: createContainerRuntime, inject: [GatewayConfig] },
  ],
  exports: [DatabaseLifecycleService, DatabaseDetailsService, DatabaseTrash, ReconciliationService, ContainerRuntime],
})
export class OrchestratorModule implements OnModuleInit {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly replication: ReplicationService,
  ) {}

  /** On the Docker runtime, each worker runs Litestream for its database (replication starts after every module is initialised). */
  onModuleInit(): void {
    if (this.replication.enabled && this.runtime instanceof DockerRuntime) this.replication.runIn(new WorkerLitestream(this.runtime, this.replication.report));
  }
}
