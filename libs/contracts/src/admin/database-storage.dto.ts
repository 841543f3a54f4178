import { ApiProperty } from '@nestjs/swagger';
import { DatabaseDetailsDto } from './database-details.dto';

export class DatabaseTableSummaryDto {
  /** @example users */
  name!: string;

  /**
   * `table` or `view`.
   * @example table
   */
  type!: string;

  /** Rows in the table (counted); `null` for a view. */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  row_count!: number | null;
}

/** `GET /admin/databases/{db_name}`: the v1 details plus SQLite's own figures, read from the file; each is `null` when the file cannot be read. */
export class DatabaseDetailsWithStorageDto extends DatabaseDetailsDto {
  /** Tables and views, SQLite's internal ones left out. */
  @ApiProperty({ type: [DatabaseTableSummaryDto], nullable: true })
  tables!: DatabaseTableSummaryDto[] | null;

  /** PRAGMA page_size in bytes. */
  @ApiProperty({ type: Number, nullable: true, example: 4096 })
  page_size!: number | null;

  /** PRAGMA page_count, pages still in the WAL included; `page_size * page_count` is the file size after a checkpoint. */
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  page_count!: number | null;

  /** PRAGMA freelist_count: unused pages that a VACUUM would give back. */
  @ApiProperty({ type: Number, nullable: true, example: 0 })
  freelist_count!: number | null;

  /** Newest modification time (ISO 8601) of the database file and its non-empty WAL: the last commit or checkpoint. */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-28T04:31:00.000Z' })
  last_written_at!: string | null;
}

/** The storage figures alone. */
export type DatabaseStorage = Pick<DatabaseDetailsWithStorageDto, 'tables' | 'page_size' | 'page_count' | 'freelist_count' | 'last_written_at'>;
