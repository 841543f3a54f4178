#!/usr/bin/env node
// The Nest floor: the least a NestJS 11 app on @nestjs/platform-express costs. One controller, no
// pipes, guards or interceptors, Nest's default JSON body parser, startup logger off, over the very
// SQLite access code of the node:http reference (bench/sqlite-access.js). It answers the same paths
// and JSON shapes as the gateway's data plane for one database. Plain JS: the decorators are applied
// by hand, as TypeScript's compiled output would.
// Usage: node bench/nest-floor-server.js <port> <database file>
'use strict';
require('reflect-metadata');
const { Body, Controller, Get, HttpCode, HttpException, Inject, Module, Param, Post, Query } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { openSqlite } = require('./sqlite-access');

const [port, file] = process.argv.slice(2);
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

async function main() {
  const sqlite = await openSqlite(file);
  Reflect.decorate([Module({ controllers: [FloorController], providers: [{ provide: SQLITE, useValue: sqlite }] })], FloorModule);
  const app = await NestFactory.create(FloorModule, { logger: false });
  await app.listen(Number(port), '127.0.0.1');
  console.log(`nest floor listening on ${port}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
