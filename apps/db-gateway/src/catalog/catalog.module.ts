import { Module } from '@nestjs/common';
import { SqliteModule } from '../data-plane/sqlite/sqlite.module';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { DatabaseLayout } from './database-layout';
import { SqliteCatalogRepository } from './sqlite-catalog.repository';

@Module({
  imports: [SqliteModule],
  providers: [DatabaseLayout, CatalogService, { provide: CatalogRepository, useClass: SqliteCatalogRepository }],
  exports: [DatabaseLayout, CatalogService],
})
export class CatalogModule {}
