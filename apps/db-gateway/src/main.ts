import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { describeAuthMode } from './config/auth-mode';
import { GatewayConfig } from './config/gateway.config';
import { loadGatewayConfig } from './config/load-gateway-config';
import { GatewayLogger } from './observability/gateway-logger';
import { StartupQuietLogger } from './observability/startup-quiet.logger';
import { ContainerRuntime } from './orchestrator/runtime/container-runtime.port';

/** The one line a start prints at `info`: where it listens, which runtime and why, where the data is, who may call. */
function startupSummary(config: GatewayConfig, runtime: ContainerRuntime): string {
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${config.port}`;
  return [
    `DB-Forge listening on ${url}`,
    `Runtime: ${runtime.kind} (${runtime.chosenBecause})`,
    `data: ${config.dataDir}`,
    `auth: ${describeAuthMode(config)}`,
    `API explorer: ${url}/docs, readiness: ${url}/health/ready`,
  ].join(' | ');
}

async function listen(app: NestExpressApplication, config: GatewayConfig): Promise<void> {
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is in use by another program: set PORT to a free port (or stop the other program).`);
    if (code === 'EADDRNOTAVAIL') throw new Error(`HOST=${config.host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1 for this machine only).`);
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  // Checked before Nest starts, so that a bad environment gets its reasons alone, without a stack trace.
  loadGatewayConfig(process.env);
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false, bufferLogs: true });
  app.useLogger(new StartupQuietLogger(app.get(GatewayLogger)));
  configureApp(app);
  const config = app.get(GatewayConfig);
  await listen(app, config);
  new NestLogger('Bootstrap').log(startupSummary(config, app.get(ContainerRuntime)));
}

bootstrap().catch((error: unknown) => {
  // Straight to stderr: with bufferLogs, a logger may never get to flush before the exit.
  process.stderr.write(`DB-Forge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
