import { Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DatabaseNameParamsDto,
  DatabaseSummaryDto,
  ErrorBodyDto,
  PruneDatabaseResponseDto,
  SpawnDatabaseResponseDto,
} from '@dbforge/contracts';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';

@ApiTags('admin')
@Controller('admin/databases')
export class AdminController {
  constructor(private readonly lifecycle: DatabaseLifecycleService) {}

  /**
   * Spawn a database: 201 when created (or re-activated with its data after a prune), 200 when it is already running.
   */
  @Post('spawn/:db_name')
  @ApiResponse({ status: HttpStatus.CREATED, type: SpawnDatabaseResponseDto, description: 'Spawned.' })
  @ApiOkResponse({ type: SpawnDatabaseResponseDto, description: 'Already exists and is running.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE, HttpStatus.BAD_GATEWAY)
  async spawn(@Param() { db_name }: DatabaseNameParamsDto, @Res({ passthrough: true }) response: Response): Promise<SpawnDatabaseResponseDto> {
    const outcome = await this.lifecycle.spawn(db_name);
    response.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.body;
  }

  /** Prune a database: its worker goes away, its data file stays; spawning it again brings it back. */
  @Post('prune/:db_name')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PruneDatabaseResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No active database of that name.' })
  @ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.SERVICE_UNAVAILABLE)
  prune(@Param() { db_name }: DatabaseNameParamsDto): Promise<PruneDatabaseResponseDto> {
    return this.lifecycle.prune(db_name);
  }

  /** List active databases. */
  @Get()
  @ApiOkResponse({ type: [DatabaseSummaryDto] })
  list(): Promise<DatabaseSummaryDto[]> {
    return this.lifecycle.list();
  }
}
