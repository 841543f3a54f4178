import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { ReplicationModule } from '../replication/replication.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { GatewayLogger } from './gateway-logger';
import { RequestLog } from './request-log';
import { RequestContextMiddleware } from './request-context.middleware';
import { RequestSqliteTime } from './request-sqlite-time';
import { SlowStatementLog } from './slow-statement.log';

/** Structured logs (pino), metrics (Prometheus), request ids and timings. */
@Module({
  imports: [DataPlaneModule, OrchestratorModule, ReplicationModule],
  controllers: [MetricsController],
  providers: [
    // The request log is installed by configureApp ahead of the body parser; the application's
    // messages go through the same pino logger (GatewayLogger, installed by main.ts).
    { provide: RequestLog, inject: [GatewayConfig], useFactory: (config: GatewayConfig) => new RequestLog(config) },
    GatewayLogger,
    MetricsService,
    SlowStatementLog,
    RequestSqliteTime,
  ],
  exports: [MetricsService, RequestLog, GatewayLogger],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes('{*path}');
  }
}
