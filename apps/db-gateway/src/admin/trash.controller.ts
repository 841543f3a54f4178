import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  DatabaseNameParamsDto,
  DeleteDatabaseResponseDto,
  ErrorCode,
  PurgeTrashResponseDto,
  TrashEntryDto,
  UndeleteDatabaseResponseDto,
} from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';
import { DatabaseTrash } from '../orchestrator/database-trash';

@ApiTags('admin')
@AdminRoute()
@Controller('admin')
export class TrashController {
  constructor(
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly trash: DatabaseTrash,
  ) {}

  /**
   * Delete a database into the trash
   * @remarks Active or pruned: its worker goes and its data moves to the trash, where it can be undeleted
   * until DBFORGE_TRASH_RETENTION_HOURS have passed.
   */
  @Delete('databases/:db_name')
  @ApiOkResponse({ type: DeleteDatabaseResponseDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.DATABASE_NOT_FOUND, ErrorCode.RUNTIME_UNAVAILABLE, ErrorCode.RUNTIME_FAILURE)
  delete(@Param() { db_name }: DatabaseNameParamsDto): Promise<DeleteDatabaseResponseDto> {
    return this.lifecycle.delete(db_name);
  }

  /** Bring back the newest deleted copy of a database and spawn it, data intact */
  @Post('databases/:db_name/undelete')
  @ApiCreatedResponse({ type: UndeleteDatabaseResponseDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.NOT_IN_TRASH, ErrorCode.DATABASE_EXISTS, ErrorCode.RUNTIME_UNAVAILABLE, ErrorCode.RUNTIME_FAILURE)
  undelete(@Param() { db_name }: DatabaseNameParamsDto): Promise<UndeleteDatabaseResponseDto> {
    return this.lifecycle.undelete(db_name);
  }

  /**
   * Deleted databases waiting in the trash
   * @remarks Oldest deletion first, each with the time the sweep purges it.
   */
  @Get('trash')
  @ApiOkResponse({ type: [TrashEntryDto] })
  listTrash(): Promise<TrashEntryDto[]> {
    return this.trash.list();
  }

  /**
   * Purge a database's deleted copies from disk now
   * @remarks Every deleted copy of the database is removed. Cannot be undone.
   */
  @Delete('trash/:db_name')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PurgeTrashResponseDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.NOT_IN_TRASH)
  purge(@Param() { db_name }: DatabaseNameParamsDto): Promise<PurgeTrashResponseDto> {
    return this.trash.purge(db_name);
  }
}
