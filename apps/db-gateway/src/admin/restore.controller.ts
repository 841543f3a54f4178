import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorCode, RestoreDatabaseResponseDto, SnapshotParamsDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { RestoreService } from '../backup/restore.service';
import type { UploadSource } from '../backup/upload-source';
import { ApiErrors } from '../common/api-errors.decorator';
import { RawUpload } from './raw-upload.decorator';

@ApiTags('admin')
@AdminRoute()
@Controller('admin/databases')
export class RestoreController {
  constructor(private readonly restores: RestoreService) {}

  /**
   * Replace a database's content with an uploaded file or SQL dump
   * @remarks A SQLite file (`application/vnd.sqlite3` or `application/octet-stream`) or an SQL dump
   * (`application/sql` or `text/plain`, UTF-8). The upload is
   * validated (header, integrity_check, foreign_key_check; a dump is replayed into a fresh database)
   * before anything is replaced; the replaced version is kept as a `pre-restore` snapshot.
   */
  @Post(':db_name/restore')
  @HttpCode(HttpStatus.OK)
  @ApiConsumes('application/vnd.sqlite3', 'application/octet-stream', 'application/sql', 'text/plain')
  @ApiBody({ description: 'A SQLite database file or an SQL dump, as the raw body.', schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: RestoreDatabaseResponseDto })
  @ApiErrors(
    ErrorCode.INVALID_DATABASE_NAME,
    ErrorCode.RESTORE_INVALID,
    ErrorCode.DATABASE_NOT_FOUND,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.DATABASE_BUSY,
  )
  restore(@Param() { db_name }: DatabaseNameParamsDto, @RawUpload() upload: UploadSource): Promise<RestoreDatabaseResponseDto> {
    return this.restores.restore(db_name, upload);
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
