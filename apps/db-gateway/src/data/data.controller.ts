import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import {
  CreateTableRequestDto,
  CreateTableResponseDto,
  DatabaseNameParamsDto,
  ErrorCode,
  InsertRowsRequestDto,
  InsertRowsResponseDto,
  QueryRequestDto,
  RowsResponseDto,
  TableInfoDto,
  TableParamsDto,
  TransactionRequestDto,
  TransactionResponseDto,
  WriteResultDto,
} from '@dbforge/contracts';
import { Access, DatabaseRoute, GrantedAccess } from '../auth/access.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { AcceptedRowFormat } from './accepted-row-format.decorator';
import { QueryService } from '../data-plane/query/query.service';
import { TransactionService } from '../data-plane/query/transaction.service';
import { SchemaService } from '../data-plane/tables/schema.service';
import { RowFormat } from '../data-plane/streaming/accept-format';
import { TablesService } from '../data-plane/tables/tables.service';
import { DataRoutes } from './data-routes.decorator';

/** What SQL sent by the caller can be refused with, by SQLite or by the statement policy. */
const STATEMENT_ERRORS = [
  ErrorCode.SQL_ERROR,
  ErrorCode.CONSTRAINT_VIOLATION,
  ErrorCode.MULTIPLE_STATEMENTS,
  ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED,
  ErrorCode.STATEMENT_NOT_ALLOWED,
  ErrorCode.PRAGMA_NOT_ALLOWED,
  ErrorCode.RESULT_TOO_LARGE,
];

@ApiTags('data')
@ApiExtraModels(RowsResponseDto, WriteResultDto)
@DataRoutes()
@Controller('api/db/:db_name')
export class DataController {
  constructor(
    private readonly queries: QueryService,
    private readonly transactions: TransactionService,
    private readonly tables: TablesService,
    private readonly schema: SchemaService,
  ) {}

  /**
   * Run one SQL statement
   * @remarks Rows come back in `data` whatever the statement's first word; writes report `rows_affected` and `last_insert_id`.
   * With `Accept: application/x-ndjson` or `text/csv` a read streams its rows as they are read (no row cap, flat memory); a write then answers 406.
   */
  @Post('query')
  @DatabaseRoute('statement')
  @HttpCode(HttpStatus.OK)
  @ApiBody({
    type: QueryRequestDto,
    examples: {
      select: { value: { sql: 'SELECT * FROM users WHERE age > ?', params: [30] } },
      insert: { value: { sql: 'INSERT INTO users (name, age) VALUES (:name, :age)', params: { name: 'Grace', age: 45 } } },
    },
  })
  @ApiOkResponse({
    content: {
      'application/json': {
        schema: { oneOf: [{ $ref: getSchemaPath(RowsResponseDto) }, { $ref: getSchemaPath(WriteResultDto) }] },
        examples: {
          read: { summary: 'A read: its rows in data', value: { data: [{ id: 1, name: 'Grace', age: 45 }], rows_affected: 1 } },
          write: { summary: 'A write: what it changed', value: { message: 'Query executed successfully.', rows_affected: 1, last_insert_id: 1 } },
        },
      },
      'application/x-ndjson': { schema: { type: 'string', description: 'A read, streamed: one row object per line.' } },
      'text/csv': { schema: { type: 'string', description: 'A read, streamed: a header line, then one CSV record per row.' } },
    },
  })
  @ApiErrors(...STATEMENT_ERRORS, ErrorCode.NOT_ACCEPTABLE)
  query(
    @Param() { db_name }: DatabaseNameParamsDto,
    @Body() request: QueryRequestDto,
    @Access() access: GrantedAccess,
    @AcceptedRowFormat() format: RowFormat,
  ): Promise<RowsResponseDto | WriteResultDto | StreamableFile> {
    return this.queries.respond(db_name, request, access, format);
  }

  /**
   * Run several statements as one transaction
   * @remarks All commit or none; `read_only: true` reads one consistent snapshot.
   */
  @Post('transaction')
  @DatabaseRoute('statement')
  @ApiErrors(...STATEMENT_ERRORS, ErrorCode.TOO_MANY_STATEMENTS)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TransactionResponseDto })
  transaction(
    @Param() { db_name }: DatabaseNameParamsDto,
    @Body() request: TransactionRequestDto,
    @Access() access: GrantedAccess,
  ): Promise<TransactionResponseDto> {
    return this.transactions.run(db_name, request, access);
  }

  /**
   * Create a table (IF NOT EXISTS, as in v1)
   * @remarks Names are checked and quoted, never pasted into SQL.
   */
  @Post('tables')
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.SQL_ERROR)
  @ApiCreatedResponse({ type: CreateTableResponseDto })
  createTable(@Param() { db_name }: DatabaseNameParamsDto, @Body() request: CreateTableRequestDto): Promise<CreateTableResponseDto> {
    return this.tables.createTable(db_name, request);
  }

  /** The schema: every table and view with columns, types, keys, indexes and row counts */
  @Get('tables')
  @DatabaseRoute('read')
  @ApiOkResponse({ type: [TableInfoDto] })
  listTables(@Param() { db_name }: DatabaseNameParamsDto): Promise<TableInfoDto[]> {
    return this.schema.listTables(db_name);
  }

  /**
   * One table's schema
   * @remarks A missing table answers 400 `SQL Error: no such table: ...`, as the rows endpoints do.
   */
  @Get('tables/:table_name')
  @DatabaseRoute('read')
  @ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.TABLE_NOT_FOUND)
  @ApiOkResponse({ type: TableInfoDto })
  describeTable(@Param() { db_name, table_name }: TableParamsDto): Promise<TableInfoDto> {
    return this.schema.describeTable(db_name, table_name);
  }

  /**
   * Insert rows in one transaction: all of them or none
   * @remarks With `on_conflict`, an upsert: the rows that collide are updated or skipped.
   */
  @Post('tables/:table_name/rows')
  @DatabaseRoute('read-write')
  @ApiErrors(
    ErrorCode.INVALID_IDENTIFIER,
    ErrorCode.TABLE_NOT_FOUND,
    ErrorCode.UNKNOWN_COLUMN,
    ErrorCode.NO_ROWS_PROVIDED,
    ErrorCode.TOO_MANY_STATEMENTS,
    ErrorCode.CONSTRAINT_VIOLATION,
  )
  @ApiCreatedResponse({ type: InsertRowsResponseDto })
  insertRows(@Param() { db_name, table_name }: TableParamsDto, @Body() request: InsertRowsRequestDto): Promise<InsertRowsResponseDto> {
    return this.tables.insertRows(db_name, table_name, request.rows, request.on_conflict);
  }
}
