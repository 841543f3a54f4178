import { Body, Controller, Delete, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AddColumnRequestDto, AddIndexRequestDto, ErrorCode, SchemaChangeResponseDto, TableParamsDto } from '@dbforge/contracts';
import { DatabaseRoute } from '../auth/access.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { SchemaChangesService } from '../data-plane/tables/schema-changes.service';
import { DataRoutes } from './data-routes.decorator';

@ApiTags('data')
@DataRoutes()
@Controller('api/db/:db_name/tables/:table_name')
export class SchemaChangesController {
  constructor(private readonly changes: SchemaChangesService) {}

  /**
   * Drop a table (or a view)
   * @remarks A missing table answers 400 `SQL Error: no such table: ...`; a parent whose rows are still
   * referenced answers 400 CONSTRAINT_VIOLATION, and nothing is lost.
   */
  @Delete()
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.TABLE_NOT_FOUND, ErrorCode.CONSTRAINT_VIOLATION)
  @ApiOkResponse({ type: SchemaChangeResponseDto })
  dropTable(@Param() { db_name, table_name }: TableParamsDto): Promise<SchemaChangeResponseDto> {
    return this.changes.dropTable(db_name, table_name);
  }

  /**
   * Create an index on existing columns
   * @remarks A UNIQUE index over repeated values is refused (400 CONSTRAINT_VIOLATION) and nothing changes.
   */
  @Post('indexes')
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.TABLE_NOT_FOUND, ErrorCode.UNKNOWN_COLUMN, ErrorCode.CONSTRAINT_VIOLATION)
  @ApiCreatedResponse({ type: SchemaChangeResponseDto })
  addIndex(@Param() { db_name, table_name }: TableParamsDto, @Body() request: AddIndexRequestDto): Promise<SchemaChangeResponseDto> {
    return this.changes.addIndex(db_name, table_name, request);
  }

  /**
   * Add a column (ALTER TABLE ADD COLUMN)
   * @remarks SQLite's limits (no primary key, NOT NULL needs a default) answer 400 with SQLite's reason.
   */
  @Post('columns')
  @DatabaseRoute('read-write')
  @ApiErrors(ErrorCode.INVALID_IDENTIFIER, ErrorCode.TABLE_NOT_FOUND, ErrorCode.SQL_ERROR)
  @ApiCreatedResponse({ type: SchemaChangeResponseDto })
  addColumn(@Param() { db_name, table_name }: TableParamsDto, @Body() request: AddColumnRequestDto): Promise<SchemaChangeResponseDto> {
    return this.changes.addColumn(db_name, table_name, request);
  }
}
