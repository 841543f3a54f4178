import { ApiProperty } from '@nestjs/swagger';
import { IsArray } from 'class-validator';
import { Row } from '../validation/sql-value';
import { IsRowObjects } from '../validation/sql-value.validators';

export class InsertRowsRequestDto {
  /** Rows to insert, all in one transaction: all of them or none. Each row may name its own columns. */
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    example: [{ name: 'Ada', age: 36 }, { name: 'Alan', age: 41 }],
  })
  @IsArray()
  @IsRowObjects()
  rows!: Row[];
}
