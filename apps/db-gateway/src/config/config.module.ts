import { Global, Module } from '@nestjs/common';
import { GatewayConfig } from './gateway.config';
import { loadGatewayConfig } from './load-gateway-config';

/** Provides the validated `GatewayConfig`; the only place that reads `process.env`. */
@Global()
@Module({
  providers: [{ provide: GatewayConfig, useFactory: () => loadGatewayConfig(process.env) }],
  exports: [GatewayConfig],
})
export class ConfigModule {}
