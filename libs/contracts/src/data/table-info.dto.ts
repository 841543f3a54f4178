import { ApiProperty } from '@nestjs/swagger';

export class ColumnInfoDto {
  /**
   * @example name
   */
  name!: string;

  /**
   * Declared type ('' when none).
   * @example TEXT
   */
  type!: string;

  not_null!: boolean;

  /** The default as SQL text, e.g. `0` or `'x'`; null when none. */
  @ApiProperty({ type: String, nullable: true, example: null })
  default!: string | null;

  /**
   * Position in the primary key (1-based); 0 when not part of it.
   * @example 0
   */
  primary_key!: number;
}

export class IndexInfoDto {
  /**
   * @example idx_users_age
   */
  name!: string;

  unique!: boolean;

  /** Indexed columns, in order. */
  columns!: string[];
}

export class TableInfoDto {
  /**
   * @example users
   */
  name!: string;

  @ApiProperty({ enum: ['table', 'view'], example: 'table' })
  type!: 'table' | 'view';

  columns!: ColumnInfoDto[];

  indexes!: IndexInfoDto[];

  /** Rows in a table (counted); null for a view. */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  row_count!: number | null;
}
