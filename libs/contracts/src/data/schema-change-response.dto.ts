import { ApiProperty } from '@nestjs/swagger';

export class SchemaChangeResponseDto {
  @ApiProperty({ example: "Index 'idx_users_name' created on table 'users'." })
  message!: string;

  /**
   * The table, index or column created or dropped.
   * @example idx_users_name
   */
  name!: string;
}
