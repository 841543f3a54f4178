import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  DatabaseNameParamsDto,
  DeleteDatabaseResponseDto,
  ErrorBodyDto,
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
@ApiErrors(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.TOO_MANY_REQUESTS)
@Controller('admin')
export class TrashController {
  constructor(
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly trash: DatabaseTrash,
  ) {}

  /** Delete a database (active or pruned): its worker goes and its data moves to the trash, where it can be undeleted until DBFORGE_TRASH_RETENTION_HOURS have passed. */
  @Delete('databases/:db_name')
  @ApiOkResponse({ type: DeleteDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such database.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  delete(@Param() { db_name }: DatabaseNameParamsDto): Promise<DeleteDatabaseResponseDto> {
    return this.lifecycle.delete(db_name);
  }

  /** Bring back the newest deleted copy of a database and spawn it, data intact. */
  @Post('databases/:db_name/undelete')
  @ApiCreatedResponse({ type: UndeleteDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Nothing in the trash for that name (NOT_IN_TRASH).' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'A database of that name exists (DATABASE_EXISTS).' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  undelete(@Param() { db_name }: DatabaseNameParamsDto): Promise<UndeleteDatabaseResponseDto> {
    return this.lifecycle.undelete(db_name);
  }

  /** Deleted databases waiting in the trash, oldest deletion first, with when the sweep purges each. */
  @Get('trash')
  @ApiOkResponse({ type: [TrashEntryDto] })
  listTrash(): Promise<TrashEntryDto[]> {
    return this.trash.list();
  }

  /** Purge now: every deleted copy of the database is removed from disk. Cannot be undone. */
  @Delete('trash/:db_name')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PurgeTrashResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Nothing in the trash for that name (NOT_IN_TRASH).' })
  @ApiErrors(HttpStatus.BAD_REQUEST)
  purge(@Param() { db_name }: DatabaseNameParamsDto): Promise<PurgeTrashResponseDto> {
    return this.trash.purge(db_name);
  }
}
