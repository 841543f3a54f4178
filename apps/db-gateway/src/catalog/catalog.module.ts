import { Module } from '@nestjs/common';
import { SqliteModule } from '../sqlite/sqlite.module';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { DatabaseLayout } from './database-layout';
import { DatabaseLocks } from './database-locks';
import { SqliteCatalogRepository } from './sqlite-catalog.repository';

@Module({
  imports: [SqliteModule],
  providers: [DatabaseLayout, CatalogService, DatabaseLocks, { provide: CatalogRepository, useClass: SqliteCatalogRepository }],
  exports: [DatabaseLayout, CatalogService, DatabaseLocks],
})
export class CatalogModule {}
