import { Module } from '@nestjs/common';
import { RestoreController } from '../admin/restore.controller';
import { CatalogModule } from '../catalog/catalog.module';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { SqliteModule } from '../sqlite/sqlite.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { DatabaseFileValidator } from './database-file.validator';
import { RestoreService } from './restore.service';

/** Restores and spawn-from-upload: validated uploads and snapshots swapped in under the database lock. */
@Module({
  imports: [CatalogModule, DataPlaneModule, SqliteModule, OrchestratorModule],
  controllers: [RestoreController],
  providers: [RestoreService, DatabaseFileValidator],
  exports: [RestoreService],
})
export class RestoreModule {}
