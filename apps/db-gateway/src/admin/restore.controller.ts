import { Controller, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorCode, RestoreDatabaseResponseDto, SnapshotParamsDto, SpawnDatabaseResponseDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { RestoreService } from '../backup/restore.service';
import type { UploadSource } from '../backup/upload-source';
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';
import { RawUpload } from './raw-upload.decorator';
import { restoreTimeOf } from './replica-requests';

@ApiTags('admin')
@AdminRoute()
@Controller('admin/databases')
export class RestoreController {
  constructor(
    private readonly restores: RestoreService,
    private readonly lifecycle: DatabaseLifecycleService,
  ) {}

  /**
   * Replace a database's content with an uploaded file or SQL dump
   * @remarks A SQLite file (`application/vnd.sqlite3` or `application/octet-stream`) or an SQL dump
   * (`application/sql` or `text/plain`, UTF-8). The upload is
   * validated (header, integrity_check, foreign_key_check; a dump is replayed into a fresh database)
   * before anything is replaced; the replaced version is kept as a `pre-restore` snapshot.
   * With the JSON body `{"timestamp": "<ISO 8601>"}`: the database as it was then, from its continuous replica (DBFORGE_REPLICA_URL), validated and swapped in the same way.
   */
  @Post(':db_name/restore')
  @HttpCode(HttpStatus.OK)
  @ApiConsumes('application/vnd.sqlite3', 'application/octet-stream', 'application/sql', 'text/plain', 'application/json')
  @ApiBody({ description: 'A SQLite database file or an SQL dump, as the raw body.', schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: RestoreDatabaseResponseDto })
  @ApiErrors(
    ErrorCode.INVALID_DATABASE_NAME,
    ErrorCode.RESTORE_INVALID,
    ErrorCode.DATABASE_NOT_FOUND,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.DATABASE_BUSY,
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.REPLICATION_OFF,
    ErrorCode.REPLICA_NOT_FOUND,
  )
  restore(@Param() { db_name }: DatabaseNameParamsDto, @RawUpload() upload: UploadSource, @Req() request: Request): Promise<RestoreDatabaseResponseDto> {
    const timestamp = restoreTimeOf(request);
    return timestamp ? this.restores.restoreToTime(db_name, timestamp) : this.restores.restore(db_name, upload);
  }

  /**
   * Recover a database from its continuous replica alone
   * @remarks For a database this gateway does not have (a lost machine's, on a new data directory with the same DBFORGE_REPLICA_URL):
   * spawned from its latest replicated state. Its API keys lived on the lost machine: mint new ones.
   */
  @Post(':db_name/recover')
  @ApiResponse({ status: HttpStatus.CREATED, type: SpawnDatabaseResponseDto, description: 'Recovered and spawned.' })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.DATABASE_EXISTS, ErrorCode.RESTORE_INVALID, ErrorCode.REPLICATION_OFF, ErrorCode.REPLICA_NOT_FOUND, ErrorCode.RUNTIME_UNAVAILABLE, ErrorCode.RUNTIME_FAILURE)
  async recover(@Param() { db_name }: DatabaseNameParamsDto): Promise<SpawnDatabaseResponseDto> {
    return (await this.lifecycle.recover(db_name)).body;
  }


  /**
   * Replace a database's content with one of its snapshots
   * @remarks The snapshot is validated first; the current version becomes a `pre-restore` snapshot.
   */
  @Post(':db_name/snapshots/:snapshot_id/restore')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RestoreDatabaseResponseDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.VALIDATION_FAILED, ErrorCode.RESTORE_INVALID, ErrorCode.DATABASE_NOT_FOUND, ErrorCode.SNAPSHOT_NOT_FOUND, ErrorCode.DATABASE_BUSY)
  restoreSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<RestoreDatabaseResponseDto> {
    return this.restores.restoreSnapshot(db_name, snapshot_id);
  }
}
