import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { pinoOptions } from './pino-options';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RequestContextMiddleware } from './request-context.middleware';
import { SlowStatementLog } from './slow-statement.log';

/** Structured logs (pino), metrics (Prometheus), request ids and timings. */
@Module({
  imports: [
    DataPlaneModule,
    OrchestratorModule,
    LoggerModule.forRootAsync({ inject: [GatewayConfig], useFactory: (config: GatewayConfig) => pinoOptions(config) }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, SlowStatementLog],
  exports: [MetricsService],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes('{*path}');
  }
}
