import { ApiProperty } from '@nestjs/swagger';

/** The outcome of a statement that yields no rows. */
export class WriteResultDto {
  @ApiProperty({ example: 'Query executed successfully.' })
  message!: string;

  /**
   * Rows inserted, updated or deleted by the statement (0 for DDL).
   * @example 1
   */
  rows_affected!: number;

  /**
   * Rowid of the most recent successful INSERT on this database's writer connection.
   * @example 42
   */
  last_insert_id!: number;
}
