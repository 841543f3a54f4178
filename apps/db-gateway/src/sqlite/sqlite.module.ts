import { Module } from '@nestjs/common';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { OneOffConnections } from './one-off-connections';
import { SqliteDriver } from './sqlite.port';

/** Binds the SQLite port to node-sqlite3; one-off connections on top of it. */
@Module({
  providers: [{ provide: SqliteDriver, useClass: NodeSqlite3Driver }, OneOffConnections],
  exports: [SqliteDriver, OneOffConnections],
})
export class SqliteModule {}
