import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { SqliteModule } from '../sqlite/sqlite.module';
import { BackupService } from './backup.service';
import { DatabaseReader } from './database-reader';
import { SnapshotScheduler } from './snapshot.scheduler';
import { SnapshotStore } from './snapshot.store';
import { TempFiles } from './temp-files';

/** Consistent copies of live databases: backups, SQL exports and snapshots (manual and scheduled). */
@Module({
  imports: [SqliteModule, CatalogModule],
  providers: [TempFiles, DatabaseReader, BackupService, SnapshotStore, SnapshotScheduler],
  exports: [BackupService, SnapshotStore, SnapshotScheduler, TempFiles],
})
export class BackupModule {}
