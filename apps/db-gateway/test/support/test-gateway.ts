import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { GatewayConfig } from '../../src/config/gateway.config';
import { loadGatewayConfig } from '../../src/config/load-gateway-config';
import { RequestLog } from '../../src/observability/request-log';

export interface TestGateway {
  app: NestExpressApplication;
  http: TestAgent;
  dataDir: string;
  close(): Promise<void>;
}

/** A fresh data directory under the system temp dir. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dbforge-e2e-'));
}

/** A provider of the app replaced by a value, such as a settable `Clock`. */
export interface ProviderOverride {
  provide: abstract new (...args: never[]) => unknown;
  useValue: unknown;
}

/**
 * Boots the real gateway (AppModule + configureApp, as main.ts does) on 127.0.0.1 and a free port.
 * With `logs`, the request log writes its JSON lines there (set DBFORGE_LOG_LEVEL to see them);
 * `overrides` replace providers of the app.
 */
export async function startGateway(
  dataDir: string,
  env: Record<string, string> = {},
  { logs, overrides = [] }: { logs?: Writable; overrides?: ProviderOverride[] } = {},
): Promise<TestGateway> {
  const config = loadGatewayConfig({ DBFORGE_DATA_DIR: dataDir, DBFORGE_RUNTIME: 'embedded', DBFORGE_LOG_LEVEL: 'silent', ...env });
  let builder = Test.createTestingModule({ imports: [AppModule] }).overrideProvider(GatewayConfig).useValue(config);
  if (logs) builder = builder.overrideProvider(RequestLog).useValue(new RequestLog(config, logs));
  for (const { provide, useValue } of overrides) builder = builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  return { app, http: request(app.getHttpServer()), dataDir, close: () => app.close() };
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

/** Asserts the one error body shape and returns it. */
export function expectError(body: unknown, status: number, code: string): { detail: string } {
  expect(body).toEqual({ detail: expect.any(String), error: { code, message: expect.any(String), status } });
  const typed = body as { detail: string; error: { message: string } };
  expect(typed.error.message).toBe(typed.detail);
  return typed;
}

/** Resolves once `condition` holds, checking every 10 ms; fails after `deadlineMs`. */
export async function until(condition: () => boolean | Promise<boolean>, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${deadlineMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
