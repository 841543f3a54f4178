import { Module } from '@nestjs/common';
import { BackupModule } from '../backup/backup.module';
import { CatalogModule } from '../catalog/catalog.module';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { ReplicationModule } from '../replication/replication.module';
import { DatabaseDetailsService } from './database-details.service';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import { DatabaseTrash } from './database-trash';
import { ReconciliationService } from './reconciliation.service';
import { ContainerRuntime } from './runtime/container-runtime.port';
import { createContainerRuntime } from './runtime/runtime.factory';
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
export class OrchestratorModule {}
