#!/usr/bin/env node
// The Nest floor: the least a NestJS 11 app on @nestjs/platform-express costs. One controller, no
// pipes, guards or interceptors, Nest's default JSON body parser, startup logger off, over the very
// SQLite access code of the node:http reference (bench/sqlite-access.js). It answers the same paths
// and JSON shapes as the gateway's data plane for one database. Plain JS: the decorators are applied
// by hand, as TypeScript's compiled output would.
// With --duties it also does, as cheaply as each can be done, what a gateway users run must do on
// every request: check a bearer key (SHA-256 lookup), a token-bucket rate limit per key (1,000 req/s,
// burst 2,000), one pino request line at info to stdout, and a Prometheus counter and histogram by
// route. The keys come in $FLOOR_KEYS (comma-separated). That floor is the most a gateway with those
// duties can serve on this stack.
// Usage: node bench/nest-floor-server.js <port> <database file> [--duties]
'use strict';
require('reflect-metadata');
const { createHash, randomUUID } = require('node:crypto');
const { Body, Controller, Get, HttpCode, HttpException, Inject, Module, Param, Post, Query } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { openSqlite } = require('./sqlite-access');

const [port, file, mode] = process.argv.slice(2);
const SQLITE = 'SQLITE';

/** SQL errors answer 400 {detail}, as the node:http reference does. */
const sqlError = (error) => new HttpException({ detail: `SQL Error: ${error.message}` }, 400);

class FloorController {
  constructor(sqlite) {
    this.sqlite = sqlite;
  }

  spawn(db) {
    return { message: 'Database instance spawned successfully.', db_name: db, container_id: null };
  }

  query(body) {
    return this.sqlite.query(body.sql, body.params ?? []).catch((error) => {
      throw sqlError(error);
    });
  }

  readRows(table, filters) {
    return this.sqlite.readRows(table, Object.entries(filters)).catch((error) => {
      throw sqlError(error);
    });
  }

  insertRows(table, body) {
    return this.sqlite.insertRows(table, body.rows).catch((error) => {
      throw sqlError(error);
    });
  }
}

// What `@Controller() class … { @Post('…') @HttpCode(200) query(@Body() body) … }` compiles to.
const method = (name, decorators, params = []) => {
  const proto = FloorController.prototype;
  params.forEach((decorator, index) => decorator(proto, name, index));
  Reflect.decorate(decorators, proto, name, Object.getOwnPropertyDescriptor(proto, name));
};
method('spawn', [Post('admin/databases/spawn/:db')], [Param('db')]);
method('query', [Post('api/db/:db/query'), HttpCode(200)], [Body()]);
method('readRows', [Get('api/db/:db/tables/:table/rows')], [Param('table'), Query()]);
method('insertRows', [Post('api/db/:db/tables/:table/rows')], [Param('table'), Body()]);
Inject(SQLITE)(FloorController, undefined, 0);
Reflect.decorate([Controller()], FloorController);

class FloorModule {}

/** Auth, rate limit, request log and metrics: one Express middleware, the cheapest form of each. */
function dutiesMiddleware(keys) {
  const pino = require('pino');
  const { Counter, Histogram, Registry } = require('prom-client');
  const sha256 = (text) => createHash('sha256').update(text).digest('hex');
  const known = new Map(keys.map((key) => [sha256(key), { tokens: 2000, at: Date.now() }]));
  const log = pino({ level: 'info' }, pino.destination({ dest: 1, sync: false }));
  const registry = new Registry();
  const requests = new Counter({ name: 'requests_total', help: 'requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'request_seconds', help: 'latency', labelNames: ['method', 'route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const refuse = (res, status, detail) => res.status(status).json({ detail });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const reqId = randomUUID();
    res.setHeader('x-request-id', reqId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ?? 'unmatched';
      requests.inc({ method: req.method, route, status: res.statusCode });
      duration.observe({ method: req.method, route }, seconds);
      log.info({ req_id: reqId, method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(seconds * 1e6) / 1e3 }, 'request');
    });
    const header = req.headers.authorization;
    const bucket = header?.startsWith('Bearer ') ? known.get(sha256(header.slice(7))) : undefined;
    if (!bucket) return refuse(res, 401, 'Invalid API key.');
    const now = Date.now();
    bucket.tokens = Math.min(2000, bucket.tokens + ((now - bucket.at) * 1000) / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) return refuse(res, 429, 'Rate limit exceeded.');
    bucket.tokens -= 1;
    next();
  };
}

async function main() {
  const sqlite = await openSqlite(file);
  Reflect.decorate([Module({ controllers: [FloorController], providers: [{ provide: SQLITE, useValue: sqlite }] })], FloorModule);
  const app = await NestFactory.create(FloorModule, { logger: false });
  if (mode === '--duties') app.use(dutiesMiddleware((process.env.FLOOR_KEYS ?? '').split(',').filter(Boolean)));
  await app.listen(Number(port), '127.0.0.1');
  console.log(`nest floor listening on ${port}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
