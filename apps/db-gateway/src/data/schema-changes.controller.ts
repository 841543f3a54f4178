import { Body, Controller, Delete, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AddColumnRequestDto, AddIndexRequestDto, SchemaChangeResponseDto, TableParamsDto } from '@dbforge/contracts';
import { DatabaseRoute } from '../auth/access.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { SchemaChangesService } from '../data-plane/tables/schema-changes.service';
import { ActiveDatabaseGuard } from './active-database.guard';

@ApiTags('data')
@ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND, HttpStatus.REQUEST_TIMEOUT, HttpStatus.PAYLOAD_TOO_LARGE, HttpStatus.TOO_MANY_REQUESTS)
@UseGuards(ActiveDatabaseGuard)
@Controller('api/db/:db_name/tables/:table_name')
export class SchemaChangesController {
  constructor(private readonly changes: SchemaChangesService) {}

  /** Drop a table (or a view). Missing: 400 `SQL Error: no such table: ...`; a parent whose rows are still referenced: 400 CONSTRAINT_VIOLATION, nothing lost. */
  @Delete()
  @DatabaseRoute('read-write')
  @ApiOkResponse({ type: SchemaChangeResponseDto })
  dropTable(@Param() { db_name, table_name }: TableParamsDto): Promise<SchemaChangeResponseDto> {
    return this.changes.dropTable(db_name, table_name);
  }

  /** Create an index on existing columns; a UNIQUE one over repeated values is refused (400 CONSTRAINT_VIOLATION) and nothing changes. */
  @Post('indexes')
  @DatabaseRoute('read-write')
  @ApiCreatedResponse({ type: SchemaChangeResponseDto })
  addIndex(@Param() { db_name, table_name }: TableParamsDto, @Body() request: AddIndexRequestDto): Promise<SchemaChangeResponseDto> {
    return this.changes.addIndex(db_name, table_name, request);
  }

  /** Add a column (ALTER TABLE ADD COLUMN); SQLite's limits (no primary key, NOT NULL needs a default) answer 400 with its reason. */
  @Post('columns')
  @DatabaseRoute('read-write')
  @ApiCreatedResponse({ type: SchemaChangeResponseDto })
  addColumn(@Param() { db_name, table_name }: TableParamsDto, @Body() request: AddColumnRequestDto): Promise<SchemaChangeResponseDto> {
    return this.changes.addColumn(db_name, table_name, request);
  }
}
