import { ApiProperty } from '@nestjs/swagger';

export class InsertRowsResponseDto {
  @ApiProperty({ example: 'Rows inserted successfully.' })
  message!: string;

  /**
   * @example 2
   */
  rows_affected!: number;
}
