import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsBoolean, IsOptional, ValidateNested } from 'class-validator';
import { StatementDto } from './statement.dto';

export class TransactionRequestDto {
  /** Run in order; all commit together or none does. */
  @ApiProperty({
    type: [StatementDto],
    example: [
      { sql: 'INSERT INTO users (name, age) VALUES (?, ?)', params: ['Grace', 45] },
      { sql: 'UPDATE users SET age = age + 1 WHERE name = :name', params: { name: 'Ada' } },
      { sql: 'SELECT name, age FROM users ORDER BY id' },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => StatementDto)
  statements!: StatementDto[];

  /** Run as one consistent read snapshot on a reader; every statement must only read. */
  @IsOptional()
  @IsBoolean()
  read_only?: boolean;
}
