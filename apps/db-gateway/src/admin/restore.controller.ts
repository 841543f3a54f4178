import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiNotFoundResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorBodyDto, RestoreDatabaseResponseDto, SnapshotParamsDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { RestoreService } from '../backup/restore.service';
import type { UploadSource } from '../backup/upload-source';
import { ApiErrors } from '../common/api-errors.decorator';
import { RawUpload } from './raw-upload.decorator';

@ApiTags('admin')
@AdminRoute()
@ApiErrors(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.TOO_MANY_REQUESTS)
@Controller('admin/databases')
export class RestoreController {
  constructor(private readonly restores: RestoreService) {}

  /**
   * Replace a database's content with an uploaded SQLite file (`application/vnd.sqlite3` or
   * `application/octet-stream`) or SQL dump (`application/sql` or `text/plain`, UTF-8). The upload is
   * validated (header, integrity_check, foreign_key_check; a dump is replayed into a fresh database)
   * before anything is replaced; the replaced version is kept as a `pre-restore` snapshot.
   */
  @Post(':db_name/restore')
  @HttpCode(HttpStatus.OK)
  @ApiConsumes('application/vnd.sqlite3', 'application/octet-stream', 'application/sql', 'text/plain')
  @ApiBody({ description: 'A SQLite database file or an SQL dump, as the raw body.', schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: RestoreDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active database of that name.' })
  @ApiResponse({ status: HttpStatus.PAYLOAD_TOO_LARGE, type: ErrorBodyDto, description: 'Upload larger than DBFORGE_MAX_RESTORE_BYTES.' })
  @ApiResponse({ status: HttpStatus.UNSUPPORTED_MEDIA_TYPE, type: ErrorBodyDto, description: 'Not one of the accepted content types.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE)
  restore(@Param() { db_name }: DatabaseNameParamsDto, @RawUpload() upload: UploadSource): Promise<RestoreDatabaseResponseDto> {
    return this.restores.restore(db_name, upload);
  }

  /** Replace a database's content with one of its snapshots (validated first; the current version becomes a `pre-restore` snapshot). */
  @Post(':db_name/snapshots/:snapshot_id/restore')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RestoreDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active database of that name, or no such snapshot.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE)
  restoreSnapshot(@Param() { db_name, snapshot_id }: SnapshotParamsDto): Promise<RestoreDatabaseResponseDto> {
    return this.restores.restoreSnapshot(db_name, snapshot_id);
  }
}
