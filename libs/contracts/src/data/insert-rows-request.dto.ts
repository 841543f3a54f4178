import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, ValidateNested } from 'class-validator';
import { OnConflictDto } from './on-conflict.dto';
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

  /** Optional upsert: with it, a row colliding on these columns updates the existing row or is skipped; `rows_affected` then counts the rows inserted or updated. */
  @IsOptional()
  @ValidateNested()
  @Type(() => OnConflictDto)
  on_conflict?: OnConflictDto;
}
