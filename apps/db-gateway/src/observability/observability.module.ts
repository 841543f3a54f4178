import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { GatewayConfig } from '../config/gateway.config';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RequestLog } from './request-log';
import { RequestContextMiddleware } from './request-context.middleware';
import { RequestSqliteTime } from './request-sqlite-time';
import { SlowStatementLog } from './slow-statement.log';

/** Structured logs (pino), metrics (Prometheus), request ids and timings. */
@Module({
  imports: [
    DataPlaneModule,
    OrchestratorModule,
    // The request log is installed by configureApp ahead of the body parser (useExisting); nestjs-pino
    // binds its logger to each request and logs the application's messages through the same pino.
    LoggerModule.forRootAsync({
      providers: [{ provide: RequestLog, inject: [GatewayConfig], useFactory: (config: GatewayConfig) => new RequestLog(config) }],
      inject: [RequestLog],
      useFactory: (requestLog: RequestLog) => ({ pinoHttp: { logger: requestLog.logger }, useExisting: true }),
    }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, SlowStatementLog, RequestSqliteTime],
  exports: [MetricsService],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestContextMiddleware).forRoutes('{*path}');
  }
}
