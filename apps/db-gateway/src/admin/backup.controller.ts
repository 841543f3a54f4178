import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorCode, ExportQueryDto, SnapshotDto, SnapshotParamsDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { BackupService } from '../backup/backup.service';
import { SnapshotStore } from '../backup/snapshot.store';
import { ApiErrors } from '../common/api-errors.decorator';

const SQLITE_FILE = { schema: { type: 'string', format: 'binary' } } as const;

@ApiTags('admin')
@AdminRoute()
@ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.DATABASE_NOT_FOUND)
@Controller('admin/databases/:db_name')
export class BackupController {
  constructor(
    private readonly backups: BackupService,
    private readonly snapshots: SnapshotStore,
  ) {}

  /**
   * Download a consistent copy of the database, taken now
   * @remarks A SQLite file, copied while writes go on; pruned databases too.
   */
  @Get('backup')
  @ApiProduces('application/vnd.sqlite3')
  @ApiOkResponse({ ...SQLITE_FILE, description: 'The SQLite file, as an attachment named `<db>-<UTC time>.db`.' })
  @ApiErrors(ErrorCode.DATABASE_FILE_MISSING, ErrorCode.DATABASE_BUSY)
  backup(@Param() { db_name }: DatabaseNameParamsDto): Promise<StreamableFile> {
    return this.backups.backup(db_name);
  }

  /**
   * Download an SQL script that recreates the database
   * @remarks Schema and rows, from one consistent read; pruned databases too.
   */
  @Get('export')
  @ApiProduces('application/sql')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'The SQL dump, as an attachment named `<db>-<UTC time>.sql`.' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.DATABASE_FILE_MISSING, ErrorCode.DATABASE_BUSY)
  export(@Param() { db_name }: DatabaseNameParamsDto, @Query() { format }: ExportQueryDto): Promise<StreamableFile> {
    return this.backups.exportSql(db_name, format);
  }

  /**
   * Take a snapshot now
   * @remarks Its reason is `manual`: retention never removes it.
   */
  @Post('snapshots')
  @ApiCreatedResponse({ type: SnapshotDto })
  @ApiErrors(ErrorCode.DATABASE_FILE_MISSING, ErrorCode.DATABASE_BUSY)
  createSnapshot(@Param() { db_name }: DatabaseNameParamsDto): Promise<SnapshotDto> {
    return this.snapshots.create(db_name, 'manual');
  }

  /** The database's snapshots (scheduled, manual, pre-restore), newest first */
  @Get('snapshots')
  @ApiOkResponse({ type: [SnapshotDto] })
  listSnapshots(@Param() { db_name }: DatabaseNameParamsDto): Promise<SnapshotDto[]> {
    return this.snapshots.list(db_name);
  }

  /** Download one snapshot (a SQLite file) */
  @Get('snapshots/:snapshot_id')
  @ApiProduces('application/vnd.sqlite3')
  @ApiOkResponse({ ...SQLITE_FILE, description: 'The snapshot file.' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.SNAPSHOT_NOT_FOUND)
  downloadSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<StreamableFile> {
    return this.snapshots.download(db_name, snapshot_id);
  }

  /** Delete one snapshot */
  @Delete('snapshots/:snapshot_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(ErrorCode.VALIDATION_FAILED, ErrorCode.SNAPSHOT_NOT_FOUND)
  deleteSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<void> {
    return this.snapshots.remove(db_name, snapshot_id);
  }
}
