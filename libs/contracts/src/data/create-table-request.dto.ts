import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { IsIdentifier } from '../validation/naming.validators';
import { ColumnDefinitionDto } from './column-definition.dto';

export class CreateTableRequestDto {
  /**
   * @example users
   */
  @IsIdentifier()
  table_name!: string;

  /** At least one column; at most 2000 (SQLite's default column limit). */
  @ApiProperty({
    type: [ColumnDefinitionDto],
    example: [
      { name: 'id', type: 'INTEGER', primary_key: true },
      { name: 'name', type: 'TEXT', not_null: true },
      { name: 'age', type: 'INTEGER', default: 0 },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2000)
  @ValidateNested({ each: true })
  @Type(() => ColumnDefinitionDto)
  columns!: ColumnDefinitionDto[];
}
