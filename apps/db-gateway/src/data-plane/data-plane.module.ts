import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { ActiveDatabases } from './active-databases';
import { DatabaseStorageService } from './database-storage.service';
import { ConnectionPoolService } from './pool/connection-pool.service';
import { QueryService } from './query/query.service';
import { TransactionService } from './query/transaction.service';
import { SqliteModule } from '../sqlite/sqlite.module';
import { SqlWorkEvents } from './sql-work.events';
import { StreamedReads } from './streaming/streamed-reads.service';
import { SchemaChangesService } from './tables/schema-changes.service';
import { SchemaService } from './tables/schema.service';
import { TablesService } from './tables/tables.service';
import { RowsService } from './tables/rows.service';
import { LibsqlPipelines } from './libsql/libsql-pipelines.service';

/** Runs SQL: a connection pool per database file, statements, the convenience table endpoints. */
@Module({
  imports: [SqliteModule, CatalogModule],
  providers: [ActiveDatabases, ConnectionPoolService, QueryService, TransactionService, TablesService, SchemaService, SqlWorkEvents, StreamedReads, RowsService, SchemaChangesService, DatabaseStorageService, LibsqlPipelines],
  exports: [ConnectionPoolService, QueryService, TransactionService, TablesService, SchemaService, SqlWorkEvents, RowsService, SchemaChangesService, DatabaseStorageService, LibsqlPipelines],
})
export class DataPlaneModule {}
