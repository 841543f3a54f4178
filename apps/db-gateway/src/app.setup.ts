import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiKeysService } from './auth/api-keys.service';
import { bodyParserErrors } from './common/body-parser-errors';
import { libsqlRequests } from './data/libsql-requests.middleware';
import { GatewayConfig } from './config/gateway.config';
import { httpMetrics } from './observability/http-metrics.middleware';
import { MetricsService } from './observability/metrics.service';
import { RequestLog } from './observability/request-log';
import { requestContextStart } from './observability/request-context.middleware';

/** Everything `main.ts` does to the app before listening; e2e tests call it too, so they test the real thing. */
export function configureApp(app: NestExpressApplication): INestApplication {
  const config = app.get(GatewayConfig);
  // Before the body parser, so that even its errors carry X-Request-Id and Server-Timing, are counted
  // and logged, and a request its client aborts mid-body is logged too.
  app.use(requestContextStart);
  app.use(app.get(RequestLog).middleware);
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(libsqlRequests(app.get(ApiKeysService)));
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.use(bodyParserErrors);
  app.set('query parser', 'simple'); // `a[b]=1` stays a plain key instead of becoming an object
  app.set('x-powered-by', false);
  // Answers to queries are not documents a cache revalidates: no SHA-1 of every body (up to DBFORGE_MAX_RESULT_BYTES).
  app.set('etag', false);
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('DB-Forge')
      .setDescription('SQLite databases as a service: spawn a database, run SQL against it, prune it.')
      .setVersion('2.0.0')
      .addTag('admin', 'Spawn, prune and list databases')
      .addTag('data', 'Run SQL and use tables of a database')
      .addTag('keys', 'Per-database API keys')
      .addTag('libsql', 'The libSQL remote protocol (Hrana over HTTP, v2): @libsql/client, Drizzle, Kysely')
      .addTag('health', 'Liveness and readiness')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'DBFORGE_ADMIN_KEY or a database key' })
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same key, as a header' })
      .addSecurityRequirements('bearer')
      .addSecurityRequirements('api_key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}
