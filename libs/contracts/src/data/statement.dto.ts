import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SqlParams } from '../validation/sql-value';
import { IsSqlParams } from '../validation/sql-value.validators';

/** One statement of a transaction. */
export class StatementDto {
  @ApiProperty({ example: 'INSERT INTO users (name, age) VALUES (?, ?)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1_000_000)
  sql!: string;

  /** Positional array or named object, as for /query. */
  @ApiProperty({ required: false, oneOf: [{ type: 'array', items: {} }, { type: 'object', additionalProperties: true }], example: ['Grace', 45] })
  @IsOptional()
  @IsSqlParams()
  params?: SqlParams;
}
