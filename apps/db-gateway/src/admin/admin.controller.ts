import { Controller, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  DatabaseDetailsWithStorageDto,
  DatabaseNameParamsDto,
  DatabaseSummaryDto,
  ErrorCode,
  PruneDatabaseResponseDto,
  ReconcileReportDto,
  SpawnDatabaseResponseDto,
} from '@dbforge/contracts';
import type { Request, Response } from 'express';
import { AdminRoute } from '../auth/access.decorators';
import type { UploadSource } from '../backup/upload-source';
import { ApiErrors } from '../common/api-errors.decorator';
import { DatabaseDetailsService } from '../orchestrator/database-details.service';
import { DatabaseLifecycleService } from '../orchestrator/database-lifecycle.service';
import { ReconciliationService } from '../orchestrator/reconciliation.service';
import { ReplicationService } from '../replication/replication.service';
import { RawUpload } from './raw-upload.decorator';
import { branchRequestOf } from './replica-requests';

@ApiTags('admin')
@AdminRoute()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly reconciliation: ReconciliationService,
    private readonly details: DatabaseDetailsService,
    private readonly replication: ReplicationService,
  ) {}

  /**
   * Spawn a database, empty or from an uploaded file
   * @remarks 201 when created (or re-activated with its data after a prune), 200 when it is already running.
   * With a SQLite file or SQL dump as the raw body (see restore), the new database starts with that content;
   * an upload onto a name that exists answers 409 and changes nothing.
   * With the JSON body `{"from": "<db>", "timestamp": "<ISO 8601>"}` it is a branch: the new database starts as `<db>` was then
   * (its latest replicated state without a timestamp), from the continuous replica (DBFORGE_REPLICA_URL).
   */
  @Post('databases/spawn/:db_name')
  @ApiResponse({ status: HttpStatus.CREATED, type: SpawnDatabaseResponseDto, description: 'Spawned.' })
  @ApiOkResponse({ type: SpawnDatabaseResponseDto, description: 'Already exists and is running.' })
  @ApiErrors(
    ErrorCode.INVALID_DATABASE_NAME,
    ErrorCode.RESTORE_INVALID,
    ErrorCode.DATABASE_EXISTS,
    ErrorCode.PAYLOAD_TOO_LARGE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.RUNTIME_UNAVAILABLE,
    ErrorCode.RUNTIME_FAILURE,
    ErrorCode.VALIDATION_FAILED,
    ErrorCode.REPLICATION_OFF,
    ErrorCode.REPLICA_NOT_FOUND,
  )
  @ApiConsumes('application/json', 'application/vnd.sqlite3', 'application/octet-stream', 'application/sql')
  @ApiBody({ required: false, description: 'Optional: a SQLite file or SQL dump to spawn from (409 if the database exists).', schema: { type: 'string', format: 'binary' } })
  async spawn(
    @Param() { db_name }: DatabaseNameParamsDto,
    @Res({ passthrough: true }) response: Response,
    @RawUpload() upload: UploadSource,
    @Req() request: Request,
  ): Promise<SpawnDatabaseResponseDto> {
    const branch = branchRequestOf(request);
    const outcome = branch ? await this.lifecycle.branch(db_name, branch.from, branch.timestamp) : await this.lifecycle.spawn(db_name, upload);
    response.status(outcome.created ? HttpStatus.CREATED : HttpStatus.OK);
    return outcome.body;
  }

  /**
   * Prune a database: its worker goes, its file stays
   * @remarks Spawning it again brings it back with its data.
   */
  @Post('databases/prune/:db_name')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: PruneDatabaseResponseDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.DATABASE_NOT_FOUND, ErrorCode.RUNTIME_UNAVAILABLE, ErrorCode.RUNTIME_FAILURE)
  prune(@Param() { db_name }: DatabaseNameParamsDto): Promise<PruneDatabaseResponseDto> {
    return this.lifecycle.prune(db_name);
  }

  /**
   * List active databases with their workers' state
   * @remarks The state comes from the container runtime; it is `unknown` while the runtime cannot be reached.
   */
  @Get('databases')
  @ApiOkResponse({ type: [DatabaseSummaryDto] })
  list(): Promise<DatabaseSummaryDto[]> {
    return this.lifecycle.list();
  }

  /**
   * One database: its worker, file, tables and last write
   * @remarks The worker's id, state, image, start time and limits; file sizes, tables, pages and the last write. Pruned databases too.
   */
  @Get('databases/:db_name')
  @ApiOkResponse({ type: DatabaseDetailsWithStorageDto })
  @ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.DATABASE_NOT_FOUND)
  describe(@Param() { db_name }: DatabaseNameParamsDto): Promise<DatabaseDetailsWithStorageDto> {
    return this.details.describe(db_name);
  }

  /**
   * The databases the continuous replica holds
   * @remarks Listed from a `file://` replica store; `null` for S3 (recover a database by its name). Replication off: 400.
   */
  @Get('replicas')
  @ApiOkResponse({ schema: { type: 'object', properties: { replica: { type: 'string' }, databases: { type: 'array', items: { type: 'string' }, nullable: true } } } })
  @ApiErrors(ErrorCode.REPLICATION_OFF)
  async replicated(): Promise<{ replica: string; databases: string[] | null }> {
    this.replication.requireEnabled();
    return { replica: this.replication.settings!.url, databases: (await this.replication.replicaNames()) ?? null };
  }

  /**
   * Make the workers match the catalog now
   * @remarks Restarts or recreates missing workers, adopts labelled ones, reports orphans.
   */
  @Post('reconcile')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ReconcileReportDto })
  @ApiErrors(ErrorCode.RUNTIME_UNAVAILABLE)
  reconcile(): Promise<ReconcileReportDto> {
    return this.reconciliation.reconcile();
  }
}
