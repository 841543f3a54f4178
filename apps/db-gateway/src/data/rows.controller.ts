import { Body, Controller, Delete, Get, Param, Patch, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode, RowsResponseDto, TableParamsDto, UpdateRowsRequestDto, WriteRowsResponseDto } from '@dbforge/contracts';
import { DatabaseRoute } from '../auth/access.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { RowFormat } from '../data-plane/streaming/accept-format';
import { RowsService } from '../data-plane/tables/rows.service';
import { AcceptedRowFormat } from './accepted-row-format.decorator';
import { DataRoutes } from './data-routes.decorator';

const FILTERS_DESCRIPTION =
  'Filters, all ANDed: `column=value` (equality, as v1), `column__gt|__gte|__lt|__lte|__ne=value`, `column__like=pattern`, ' +
  '`column__in=a,b`, `column__isnull=true|false`. A real column whose name contains `__` is matched exactly first.';

/** The rows API on /tables/{table}/rows: reads with operators, order and paging; filtered updates and deletes. Inserts: DataController. */
@ApiTags('data')
@ApiExtraModels(RowsResponseDto)
@DataRoutes()
@ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.TABLE_NOT_FOUND, ErrorCode.UNKNOWN_COLUMN, ErrorCode.UNKNOWN_OPERATOR)
@Controller('api/db/:db_name/tables/:table_name/rows')
export class RowsController {
  constructor(private readonly rows: RowsService) {}

  /**
   * Read rows, filtered, ordered and paged
   * @remarks Filters as `column=value` or `column__op=value`; `_select=a,b`, `_order=age.desc,name`, `_limit`, `_offset`,
   * `_after=<next_cursor>` (keyset paging), `_count=true` (adds `matched`). `more` says whether rows remain after this page.
   * With `Accept: application/x-ndjson` or `text/csv`, every matching row streams (no cap, flat memory; `_count` not available).
   */
  @Get()
  @DatabaseRoute('read')
  @ApiErrors(ErrorCode.INVALID_CURSOR, ErrorCode.RESULT_TOO_LARGE, ErrorCode.NOT_ACCEPTABLE)
  @ApiQuery({ name: 'filters', required: false, type: 'object', style: 'form', explode: true, description: FILTERS_DESCRIPTION, example: { name: 'Ada', age__gt: '30' } })
  @ApiQuery({ name: '_select', required: false, type: String, description: 'Columns to return, comma-separated.', example: 'id,name' })
  @ApiQuery({ name: '_order', required: false, type: String, description: 'column[.asc|.desc][.nullsfirst|.nullslast], comma-separated; the row key breaks ties.', example: 'age.desc,name' })
  @ApiQuery({ name: '_limit', required: false, type: Number, description: 'Page size, 0 to DBFORGE_MAX_RESULT_ROWS (default: that cap).' })
  @ApiQuery({ name: '_offset', required: false, type: Number, description: 'Rows to skip (not with _after).' })
  @ApiQuery({ name: '_after', required: false, type: String, description: 'The next_cursor of the previous page, with the same _order.' })
  @ApiQuery({ name: '_count', required: false, type: Boolean, description: 'true: add `matched`, the number of rows the filters match.' })
  @ApiOkResponse({
    content: {
      'application/json': { schema: { $ref: getSchemaPath(RowsResponseDto) } },
      'application/x-ndjson': { schema: { type: 'string', description: 'Every matching row, streamed: one row object per line.' } },
      'text/csv': { schema: { type: 'string', description: 'Every matching row, streamed: a header line, then one CSV record per row.' } },
    },
  })
  read(
    @Param() { db_name, table_name }: TableParamsDto,
    @Query() params: Record<string, unknown>,
    @AcceptedRowFormat() format: RowFormat,
  ): Promise<RowsResponseDto | StreamableFile> {
    return this.rows.respond(db_name, table_name, params, format);
  }

  /**
   * Update the rows the filters match
   * @remarks The same filters as GET. Without filters: 400 UNFILTERED_WRITE unless `_all=true`.
   */
  @Patch()
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.UNFILTERED_WRITE, ErrorCode.CONSTRAINT_VIOLATION)
  @ApiQuery({ name: 'filters', required: false, type: 'object', style: 'form', explode: true, description: FILTERS_DESCRIPTION, example: { id: '1' } })
  @ApiQuery({ name: '_all', required: false, type: Boolean, description: 'true: update every row (required when there are no filters).' })
  @ApiOkResponse({ type: WriteRowsResponseDto })
  update(
    @Param() { db_name, table_name }: TableParamsDto,
    @Query() params: Record<string, unknown>,
    @Body() request: UpdateRowsRequestDto,
  ): Promise<WriteRowsResponseDto> {
    return this.rows.update(db_name, table_name, params, request);
  }

  /**
   * Delete the rows the filters match
   * @remarks The same filters as GET. Without filters: 400 UNFILTERED_WRITE unless `_all=true`.
   */
  @Delete()
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.UNFILTERED_WRITE, ErrorCode.CONSTRAINT_VIOLATION)
  @ApiQuery({ name: 'filters', required: false, type: 'object', style: 'form', explode: true, description: FILTERS_DESCRIPTION, example: { id: '1' } })
  @ApiQuery({ name: '_all', required: false, type: Boolean, description: 'true: delete every row (required when there are no filters).' })
  @ApiOkResponse({ type: WriteRowsResponseDto })
  delete(@Param() { db_name, table_name }: TableParamsDto, @Query() params: Record<string, unknown>): Promise<WriteRowsResponseDto> {
    return this.rows.delete(db_name, table_name, params);
  }
}
