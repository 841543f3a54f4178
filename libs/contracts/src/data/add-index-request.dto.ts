import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsOptional } from 'class-validator';
import { IDENTIFIER_RULE, isValidIdentifier } from '../naming/identifier';
import { defineValidator } from '../validation/define-validator';
import { invalidIdentifier } from '../validation/error-context';
import { IsIdentifier } from '../validation/naming.validators';

const AreIdentifiers = () =>
  defineValidator(
    'areIdentifiers',
    (value) => Array.isArray(value) && value.every(isValidIdentifier) && new Set(value).size === value.length,
    `each of $property ${IDENTIFIER_RULE}, and none may repeat`,
    invalidIdentifier,
  );

export class AddIndexRequestDto {
  /** The indexed columns, in order (at most 64, none twice); each must be a column of the table. */
  @ApiProperty({ type: [String], example: ['name'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @AreIdentifiers()
  columns!: string[];

  /** A UNIQUE index; creating it fails (400 CONSTRAINT_VIOLATION, nothing changed) when rows already repeat a value. */
  @IsOptional()
  @IsBoolean()
  unique?: boolean;

  /**
   * Name of the index; default `idx_<table>_<col1>_<col2>...` (cut to 64 characters).
   * @example idx_users_name
   */
  @IsOptional()
  @IsIdentifier()
  name?: string;
}
