import { ApiProperty } from '@nestjs/swagger';

/** The answer to a PATCH or DELETE on the rows path. */
export class WriteRowsResponseDto {
  @ApiProperty({ example: 'Rows updated successfully.' })
  message!: string;

  /**
   * Rows the update or delete changed (the rows that matched the filters).
   * @example 3
   */
  rows_affected!: number;
}
