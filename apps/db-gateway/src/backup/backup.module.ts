import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { OrchestratorModule } from '../orchestrator/orchestrator.module';
import { SqliteModule } from '../data-plane/sqlite/sqlite.module';
import { BackupService } from './backup.service';
import { DatabaseReader } from './database-reader';
import { SnapshotScheduler } from './snapshot.scheduler';
import { SnapshotStore } from './snapshot.store';
import { TempFiles } from './temp-files';

/** Consistent copies of live databases: backups, SQL exports and snapshots (manual and scheduled). */
@Module({
  imports: [SqliteModule, CatalogModule, OrchestratorModule],
  providers: [TempFiles, DatabaseReader, BackupService, SnapshotStore, SnapshotScheduler],
  exports: [BackupService, SnapshotStore, SnapshotScheduler, TempFiles],
})
export class BackupModule {}
