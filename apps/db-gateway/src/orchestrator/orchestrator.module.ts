import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import { ContainerRuntime } from './runtime/container-runtime.port';
import { createContainerRuntime } from './runtime/runtime.factory';

/** The lifecycle of databases and their workers, behind the ContainerRuntime port. */
@Module({
  imports: [CatalogModule, DataPlaneModule],
  providers: [
    DatabaseLifecycleService,
    { provide: ContainerRuntime, useFactory: createContainerRuntime, inject: [GatewayConfig] },
  ],
  exports: [DatabaseLifecycleService, ContainerRuntime],
})
export class OrchestratorModule {}
