import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { COLUMN_TYPE_PATTERN } from '../naming/identifier';
import { invalidIdentifier } from '../validation/error-context';
import { IsIdentifier } from '../validation/naming.validators';
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
  @IsString()
  @Matches(COLUMN_TYPE_PATTERN, {
    message: '$property must be a type name of up to four words with an optional size, e.g. TEXT or VARCHAR(255)',
    ...invalidIdentifier,
  })
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
