import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminController } from './admin/admin.controller';
import { KeysController } from './admin/keys.controller';
import { TrashController } from './admin/trash.controller';
import { BackupController } from './admin/backup.controller';
import { RestoreController } from './admin/restore.controller';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { ForeignRequestGuard } from './auth/foreign-requests';
import { BackupModule } from './backup/backup.module';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { CatalogModule } from './catalog/catalog.module';
import { CommonModule } from './common/common.module';
import { DomainExceptionFilter } from './common/domain-exception.filter';
import { GatewayValidationPipe } from './common/gateway-validation.pipe';
import { ConfigModule } from './config/config.module';
import { DataController } from './data/data.controller';
import { LibsqlController } from './data/libsql.controller';
import { RowsController } from './data/rows.controller';
import { SchemaChangesController } from './data/schema-changes.controller';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { ObservabilityModule } from './observability/observability.module';
import { OrchestratorModule } from './orchestrator/orchestrator.module';
import { ReplicationModule } from './replication/replication.module';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { HttpDrain } from './system/http-drain.service';
import { SystemController } from './system/system.controller';

@Module({
  imports: [ConfigModule, CommonModule, CatalogModule, DataPlaneModule, OrchestratorModule, AuthModule, ObservabilityModule, BackupModule, ReplicationModule],
  // Express tries routes in this order, one pattern after another: the data routes, which carry the
  // traffic, come first (no two controllers' paths overlap, so the order changes nothing else).
  controllers: [DataController, RowsController, SchemaChangesController, LibsqlController, AdminController, KeysController, TrashController, BackupController, RestoreController, HealthController, SystemController],
  providers: [
    HealthService,
    HttpDrain,
    // Guards run in this order: what a browser sends for another site is refused before anything
    // counts it; then the limit, so floods of bad keys are limited too.
    { provide: APP_GUARD, useExisting: ForeignRequestGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: APP_GUARD, useExisting: AccessGuard },
    { provide: APP_PIPE, useClass: GatewayValidationPipe },
    { provide: APP_FILTER, useClass: DomainExceptionFilter },
  ],
})
export class AppModule {}
