import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { ReplicationModule } from '../replication/replication.module';
import { SqliteModule } from '../sqlite/sqlite.module';
import { BackupService } from './backup.service';
import { DatabaseFileValidator } from './database-file.validator';
import { DatabaseReader } from './database-reader';
import { RestoreService } from './restore.service';
import { SnapshotScheduler } from './snapshot.scheduler';
import { SnapshotStore } from './snapshot.store';
import { TempFiles } from './temp-files';
import { ValidatedUploads } from './validated-uploads';

/**
 * The files of databases: consistent copies (backups, SQL exports, snapshots, manual and scheduled),
 * uploads turned into validated database files, and restores that swap one in.
 */
@Module({
  imports: [SqliteModule, CatalogModule, DataPlaneModule, ReplicationModule],
  providers: [TempFiles, DatabaseReader, BackupService, SnapshotStore, SnapshotScheduler, DatabaseFileValidator, ValidatedUploads, RestoreService],
  exports: [DatabaseReader, BackupService, SnapshotStore, SnapshotScheduler, ValidatedUploads, RestoreService],
})
export class BackupModule {}
