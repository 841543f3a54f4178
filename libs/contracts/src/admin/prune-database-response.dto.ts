import { ApiProperty } from '@nestjs/swagger';

export class PruneDatabaseResponseDto {
  @ApiProperty({ example: 'Database instance pruned successfully.' })
  message!: string;

  /**
   * @example agent_memory_db
   */
  db_name!: string;
}
