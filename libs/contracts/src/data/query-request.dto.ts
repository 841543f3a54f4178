import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SqlParams } from '../validation/sql-value';
import { IsSqlParams } from '../validation/sql-value.validators';

export class QueryRequestDto {
  /**
   * One SQL statement. Statements that yield rows (SELECT, WITH, PRAGMA table_info, EXPLAIN, ... RETURNING)
   * return them in `data`; others report `rows_affected` and `last_insert_id`.
   */
  @ApiProperty({ example: 'SELECT * FROM users WHERE age > ?' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1_000_000)
  sql!: string;

  /**
   * Parameters: a positional array for `?` / `?NNN`, or an object for named `:name`, `@name`, `$name`
   * (keys may omit the prefix). Values: strings, finite numbers, booleans (stored as 1/0) or null.
   */
  @ApiProperty({
    required: false,
    oneOf: [
      { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true } },
      { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true } },
    ],
    example: [25],
  })
  @IsOptional()
  @IsSqlParams()
  params?: SqlParams;
}
