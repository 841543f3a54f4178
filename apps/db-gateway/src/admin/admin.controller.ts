import { Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiNotFoundResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DatabaseDetailsWithStorageDto,
  DatabaseNameParamsDto,
  DatabaseSummaryDto,
  ErrorBodyDto,
  PruneDatabaseResponseDto,
  ReconcileReportDto,
  SpawnDatabaseResponseDto,
} from '@dbforge/contracts';
import type { Response } from 'express';
import { AdminRoute } from '../auth/access.decorators';
import type { UploadSource } from '../backup/upload-source';
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseDetailsService } from '../orchestrator/database-details.service';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';
import { ReconciliationService } from '../orchestrator/reconciliation.service';
import { RawUpload } from './raw-upload.decorator';

@ApiTags('admin')
@AdminRoute()
@ApiErrors(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.TOO_MANY_REQUESTS)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly reconciliation: ReconciliationService,
    private readonly details: DatabaseDetailsService,
  ) {}

  /**
   * Spawn a database: 201 when created (or re-activated with its data after a prune), 200 when it is already running.
   * With a SQLite file or SQL dump as the raw body (see restore), the new database starts with that content.
   */
  @Post('databases/spawn/:db_name')
  @ApiResponse({ status: HttpStatus.CREATED, type: SpawnDatabaseResponseDto, description: 'Spawned.' })
  @ApiOkResponse({ type: SpawnDatabaseResponseDto, description: 'Already exists and is running.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  @ApiConsumes('application/json', 'application/vnd.sqlite3', 'application/octet-stream', 'application/sql')
  @ApiBody({ required: false, description: 'Optional: a SQLite file or SQL dump to spawn from (409 if the database exists).', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: HttpStatus.CONFLICT, type: ErrorBodyDto, description: 'Spawn from an upload, but the database already exists.' })
  async spawn(
    @Param() { db_name }: DatabaseNameParamsDto,
    @Res({ passthrough: true }) response: Response,
    @RawUpload() upload: UploadSource,
  ): Promise<SpawnDatabaseResponseDto> {
    const outcome = await this.lifecycle.spawn(db_name, upload);
    response.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.body;
  }

  /** Prune a database: its worker goes away, its data file stays; spawning it again brings it back. */
  @Post('databases/prune/:db_name')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PruneDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active database of that name.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  prune(@Param() { db_name }: DatabaseNameParamsDto): Promise<PruneDatabaseResponseDto> {
    return this.lifecycle.prune(db_name);
  }

  /** List active databases with their workers' state from the runtime (`unknown` while it cannot be reached). */
  @Get('databases')
  @ApiOkResponse({ type: [DatabaseSummaryDto] })
  list(): Promise<DatabaseSummaryDto[]> {
    return this.lifecycle.list();
  }

  /** One database: its worker (id, state, image, start time, limits), file sizes, tables, pages and last write; pruned ones too. */
  @Get('databases/:db_name')
  @ApiOkResponse({ type: DatabaseDetailsWithStorageDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Never spawned, or deleted.' })
  @ApiErrors(HttpStatus.BAD_REQUEST)
  describe(@Param() { db_name }: DatabaseNameParamsDto): Promise<DatabaseDetailsWithStorageDto> {
    return this.details.describe(db_name);
  }

  /** Make the workers match the catalog now: restart or recreate missing workers, adopt labelled ones, report orphans. */
  @Post('reconcile')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ReconcileReportDto })
  @ApiErrors(HttpStatus.SERVICE_UNAVAILABLE)
  reconcile(): Promise<ReconcileReportDto> {
    return this.reconciliation.reconcile();
  }
}
