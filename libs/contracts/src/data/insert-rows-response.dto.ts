export class InsertRowsResponseDto {
  /** @example Rows inserted successfully. */
  message!: string;

  /** @example 2 */
  rows_affected!: number;
}
