import { Module } from '@nestjs/common';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { SqliteDriver } from './sqlite.port';

/** Binds the SQLite port to node-sqlite3. */
@Module({
  providers: [{ provide: SqliteDriver, useClass: NodeSqlite3Driver }],
  exports: [SqliteDriver],
})
export class SqliteModule {}
