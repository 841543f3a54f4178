import { ApiProperty } from '@nestjs/swagger';

export class TrashEntryDto {
  /** @example agent_memory_db */
  db_name!: string;

  /**
   * One deleted copy: `<db_name>-<UTC yyyyMMddTHHmmssSSSZ of the delete>`.
   * @example agent_memory_db-20261128T043000000Z
   */
  trash_id!: string;

  /** @example 2026-11-28T04:30:00.000Z */
  deleted_at!: string;

  /**
   * When the sweep purges it: `deleted_at` + DBFORGE_TRASH_RETENTION_HOURS.
   * @example 2026-12-05T04:30:00.000Z
   */
  purge_after!: string;

  /** First spawn of the deleted database, when known. */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-20T09:00:00.000Z' })
  created_at!: string | null;

  /**
   * Bytes on disk (the file, its WAL and shared memory).
   * @example 8192
   */
  size_bytes!: number;
}

export class DeleteDatabaseResponseDto extends TrashEntryDto {
  @ApiProperty({ example: 'Database moved to the trash.' })
  message!: string;
}

export class UndeleteDatabaseResponseDto {
  @ApiProperty({ example: 'Database restored from the trash.' })
  message!: string;

  /** @example agent_memory_db */
  db_name!: string;

  /** The copy that came back (the newest one). */
  trash_id!: string;

  @ApiProperty({ type: String, nullable: true })
  container_id!: string | null;
}

export class PurgeTrashResponseDto {
  @ApiProperty({ example: 'Purged 1 deleted copy of agent_memory_db.' })
  message!: string;

  /** @example agent_memory_db */
  db_name!: string;

  /** The copies removed from disk. */
  @ApiProperty({ type: [String], example: ['agent_memory_db-20261128T043000000Z'] })
  purged!: string[];
}
