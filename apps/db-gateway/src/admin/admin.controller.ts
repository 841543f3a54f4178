import { Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
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
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseDetailsService } from '../orchestrator/database-details.service';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';
import { ReconciliationService } from '../orchestrator/reconciliation.service';

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
   */
  @Post('databases/spawn/:db_name')
  @ApiResponse({ status: HttpStatus.CREATED, type: SpawnDatabaseResponseDto, description: 'Spawned.' })
  @ApiOkResponse({ type: SpawnDatabaseResponseDto, description: 'Already exists and is running.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  async spawn(@Param() { db_name }: DatabaseNameParamsDto, @Res({ passthrough: true }) response: Response): Promise<SpawnDatabaseResponseDto> {
    const outcome = await this.lifecycle.spawn(db_name);
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
