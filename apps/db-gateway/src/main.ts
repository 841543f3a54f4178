import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { GatewayConfig } from './config/gateway.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApp(app);
  const config = app.get(GatewayConfig);
  await app.listen(config.port, config.host);
  new NestLogger('Bootstrap').log(`DB-Forge listening on http://${config.host}:${config.port} (data: ${config.dataDir}; explorer: /docs)`);
}

bootstrap().catch((error: unknown) => {
  // Straight to stderr: with bufferLogs, a logger may never get to flush before the exit.
  process.stderr.write(`DB-Forge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
