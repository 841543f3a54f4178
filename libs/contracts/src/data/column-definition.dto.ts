import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { IsColumnType, IsIdentifier } from '../validation/naming.validators';
import { SqlValue } from '../validation/sql-value';
import { IsSqlValue } from '../validation/sql-value.validators';

export class ColumnDefinitionDto {
  /**
   * @example name
   */
  @IsIdentifier()
  name!: string;

  /**
   * Declared type: one to four words with an optional size, e.g. `INTEGER`, `TEXT`, `VARCHAR(255)`, `DECIMAL(10, 2)`.
   * @example TEXT
   */
  @IsColumnType()
  type!: string;

  /** Part of the primary key. Several columns marked form a composite key. */
  @IsOptional()
  @IsBoolean()
  primary_key?: boolean;

  /** Rejects NULL. */
  @IsOptional()
  @IsBoolean()
  not_null?: boolean;

  /** Default value (a literal: string, number, boolean or null); written as a quoted SQL literal. */
  @ApiProperty({ required: false, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true })
  @IsOptional()
  @IsSqlValue()
  default?: SqlValue;
}
