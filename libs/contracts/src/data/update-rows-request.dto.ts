import { ApiProperty } from '@nestjs/swagger';
import { Row } from '../validation/sql-value';
import { IsRowObject } from '../validation/sql-value.validators';

/** `PATCH /api/db/{db}/tables/{table}/rows?<filters>`: the columns to set on every matching row. */
export class UpdateRowsRequestDto {
  /** Column name to new value; at least one column, each a real column of the table. */
  @ApiProperty({ type: 'object', additionalProperties: true, example: { age: 37 } })
  @IsRowObject()
  set!: Row;
}
