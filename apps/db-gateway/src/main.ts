import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { GatewayConfig } from './config/gateway.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false });
  configureApp(app);
  const config = app.get(GatewayConfig);
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`DB-Forge listening on http://${config.host}:${config.port} (data: ${config.dataDir}; explorer: /docs)`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Bootstrap').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
