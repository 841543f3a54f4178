import { Controller, Get, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DatabaseNameParamsDto, ErrorCode } from '@dbforge/contracts';
import type { Request } from 'express';
import { Access, DatabaseRoute, GrantedAccess } from '../auth/access.decorators';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { DomainError } from '../common/domain.error';
import { PipelineResponse } from '../data-plane/libsql/hrana';
import { LibsqlPipelines } from '../data-plane/libsql/libsql-pipelines.service';
import { DataRoutes } from './data-routes.decorator';

const PIPELINE_BODY = {
  schema: {
    type: 'object',
    required: ['requests'],
    properties: {
      baton: { type: 'string', nullable: true, description: 'The baton of the previous response to continue its stream (and transaction); null starts a stream.' },
      requests: {
        type: 'array',
        description: 'Hrana stream requests, run in order: execute, batch, sequence, describe, store_sql, close_sql, get_autocommit, close.',
        items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } }, additionalProperties: true },
      },
    },
  },
  examples: {
    execute: {
      value: {
        baton: null,
        requests: [{ type: 'execute', stmt: { sql: 'SELECT * FROM users WHERE id = ?', args: [{ type: 'integer', value: '1' }], want_rows: true } }, { type: 'close' }],
      },
    },
    transaction: { summary: 'Open a write transaction; continue it with the baton of the response', value: { baton: null, requests: [{ type: 'execute', stmt: { sql: 'BEGIN IMMEDIATE' } }] } },
  },
};

const PIPELINE_RESPONSE = {
  schema: {
    type: 'object',
    properties: {
      baton: { type: 'string', nullable: true, description: 'Send it with the next request of this stream; null once the stream is closed.' },
      base_url: { type: 'string', nullable: true },
      results: { type: 'array', items: { type: 'object', description: '{"type":"ok","response":{...}} or {"type":"error","error":{"message","code"}}' } },
    },
  },
  example: {
    baton: null,
    base_url: null,
    results: [
      {
        type: 'ok',
        response: {
          type: 'execute',
          result: { cols: [{ name: 'id', decltype: 'INTEGER' }, { name: 'name', decltype: 'TEXT' }], rows: [[{ type: 'integer', value: '1' }, { type: 'text', value: 'Ada' }]], affected_row_count: 0, last_insert_rowid: null },
        },
      },
      { type: 'ok', response: { type: 'close' } },
    ],
  },
};

const PIPELINE_ERRORS = [ErrorCode.LIBSQL_PROTOCOL_ERROR, ErrorCode.LIBSQL_STREAM_EXPIRED];

/**
 * The libSQL remote protocol (Hrana over HTTP, version 2), which @libsql/client speaks for `http://`
 * URLs and Drizzle, Kysely and Prisma's adapter speak through it. Two URL forms: `/libsql/<db>/` with
 * the admin key or a key of that database, and the bare origin with a database key, which names its
 * database (see libsqlRequests). Errors of a statement come back inside `results`; errors of the
 * request (auth, an unknown baton, a body that is not Hrana) as HTTP errors with `{message, code}`.
 */
@ApiTags('libsql')
@DataRoutes()
@Controller()
export class LibsqlController {
  constructor(
    private readonly pipelines: LibsqlPipelines,
    private readonly keys: ApiKeysService,
  ) {}

  /**
   * Protocol version 2 is spoken here
   * @remarks libSQL clients may probe it; `/v3` and `/v3-protobuf` answer 404, so they use version 2.
   */
  @Get('libsql/:db_name/v2')
  @DatabaseRoute('statement')
  @ApiOkResponse({ schema: { type: 'object', example: { version: 2 } } })
  version(@Param() _params: DatabaseNameParamsDto): { version: number } {
    return { version: 2 };
  }

  /**
   * Run a libSQL (Hrana v2) pipeline on a database
   * @remarks The same rules as `/query`: the statement policy, read keys run only statements that read, the result limits and the statement timeout.
   * Without a transaction each statement is its own (reads on a reader, writes group-committed). `BEGIN` opens an interactive transaction that
   * holds the database's writer (`BEGIN TRANSACTION READONLY`, or any `BEGIN` of a read key: a reader) until COMMIT, ROLLBACK or `close`;
   * idle for DBFORGE_TRANSACTION_IDLE_MS or open for DBFORGE_TRANSACTION_MAX_MS, it is rolled back and its baton refused.
   */
  @Post('libsql/:db_name/v2/pipeline')
  @DatabaseRoute('statement')
  @HttpCode(HttpStatus.OK)
  @ApiBody(PIPELINE_BODY)
  @ApiOkResponse(PIPELINE_RESPONSE)
  @ApiErrors(...PIPELINE_ERRORS)
  pipeline(@Param() { db_name }: DatabaseNameParamsDto, @Req() request: Request, @Access() access: GrantedAccess): Promise<PipelineResponse> {
    const principal = this.keys.identifyRequest(request);
    const owner = principal?.kind === 'database' ? `key:${principal.key.id}` : principal?.kind ?? 'open';
    return this.pipelines.pipeline({ database: db_name, owner, access }, request.body);
  }

  /**
   * Run a libSQL pipeline on the database of the key
   * @remarks For `createClient({ url: 'http://host:port', authToken: <database key> })`: the key names its database. With the admin key, use `/libsql/<db>/`.
   */
  @Post('v2/pipeline')
  @DatabaseRoute('statement')
  @HttpCode(HttpStatus.OK)
  @ApiBody(PIPELINE_BODY)
  @ApiOkResponse(PIPELINE_RESPONSE)
  @ApiErrors(...PIPELINE_ERRORS)
  barePipeline(): never {
    // Only reached without a database key (a database key is routed to its database before this).
    throw new DomainError(ErrorCode.VALIDATION_FAILED, 'This URL names no database: use http://<host>/libsql/<db_name>/ with the admin key, or authenticate with a key of the database.');
  }

  /** Protocol version 2 is spoken here (with a database key, which names its database) */
  @Get('v2')
  @DatabaseRoute('statement')
  @ApiOkResponse({ schema: { type: 'object', example: { version: 2 } } })
  bareVersion(): never {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, 'This URL names no database: use http://<host>/libsql/<db_name>/v2 with the admin key, or authenticate with a key of the database.');
  }
}
