import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminController } from './admin/admin.controller';
import { CatalogModule } from './catalog/catalog.module';
import { DomainExceptionFilter } from './common/domain-exception.filter';
import { GatewayValidationPipe } from './common/gateway-validation.pipe';
import { ConfigModule } from './config/config.module';
import { DataController } from './data/data.controller';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { SystemController } from './system/system.controller';

@Module({
  imports: [ConfigModule, CatalogModule, DataPlaneModule, OrchestratorModule],
  controllers: [SystemController, HealthController, AdminController, DataController],
  providers: [
    HealthService,
    { provide: APP_PIPE, useClass: GatewayValidationPipe },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
  ],
})
export class AppModule {}
