import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorBodyDto, ExportQueryDto, SnapshotDto, SnapshotParamsDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { BackupService } from '../backup/backup.service';
import { SnapshotStore } from '../backup/snapshot.store';
import { ApiErrors } from '../common/api-errors.decorator';

const SQLITE_FILE = { schema: { type: 'string', format: 'binary' } } as const;

@ApiTags('admin')
@AdminRoute()
@ApiErrors(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.TOO_MANY_REQUESTS, HttpStatus.BAD_REQUEST)
@Controller('admin/databases/:db_name')
export class BackupController {
  constructor(
    private readonly backups: BackupService,
    private readonly snapshots: SnapshotStore,
  ) {}

  /** Download a consistent copy of the database (a SQLite file) taken now, while writes go on; pruned databases too. */
  @Get('backup')
  @ApiProduces('application/vnd.sqlite3')
  @ApiOkResponse({ ...SQLITE_FILE, description: 'The SQLite file, as an attachment named `<db>-<UTC time>.db`.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Never spawned.' })
  @ApiErrors(HttpStatus.SERVICE_UNAVAILABLE)
  backup(@Param() { db_name }: DatabaseNameParamsDto): Promise<StreamableFile> {
    return this.backups.backup(db_name);
  }

  /** Download an SQL script that recreates the database (schema and rows, one consistent read); pruned databases too. */
  @Get('export')
  @ApiProduces('application/sql')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'The SQL dump, as an attachment named `<db>-<UTC time>.sql`.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Never spawned.' })
  @ApiErrors(HttpStatus.SERVICE_UNAVAILABLE)
  export(@Param() { db_name }: DatabaseNameParamsDto, @Query() { format }: ExportQueryDto): Promise<StreamableFile> {
    return this.backups.exportSql(db_name, format);
  }

  /** Take a snapshot now (reason `manual`; never removed by retention). */
  @Post('snapshots')
  @ApiCreatedResponse({ type: SnapshotDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Never spawned.' })
  @ApiErrors(HttpStatus.SERVICE_UNAVAILABLE)
  createSnapshot(@Param() { db_name }: DatabaseNameParamsDto): Promise<SnapshotDto> {
    return this.snapshots.create(db_name, 'manual');
  }

  /** The database's snapshots (scheduled, manual, pre-restore), newest first. */
  @Get('snapshots')
  @ApiOkResponse({ type: [SnapshotDto] })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Never spawned.' })
  listSnapshots(@Param() { db_name }: DatabaseNameParamsDto): Promise<SnapshotDto[]> {
    return this.snapshots.list(db_name);
  }

  /** Download one snapshot (a SQLite file). */
  @Get('snapshots/:snapshot_id')
  @ApiProduces('application/vnd.sqlite3')
  @ApiOkResponse({ ...SQLITE_FILE, description: 'The snapshot file.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such database or snapshot.' })
  downloadSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<StreamableFile> {
    return this.snapshots.download(db_name, snapshot_id);
  }

  /** Delete one snapshot. */
  @Delete('snapshots/:snapshot_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such database or snapshot.' })
  deleteSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<void> {
    return this.snapshots.remove(db_name, snapshot_id);
  }
}
