import { ApiProperty } from '@nestjs/swagger';

/** The answer to a restore (from an upload or from a snapshot). */
export class RestoreDatabaseResponseDto {
  @ApiProperty({ example: 'Database restored successfully.' })
  message!: string;

  /**
   * @example agent_memory_db
   */
  db_name!: string;

  /**
   * Id of the snapshot that now holds the version the restore replaced (restorable like any snapshot);
   * null when the database's file was missing, so there was no version to keep.
   */
  @ApiProperty({ type: String, nullable: true, example: '20261128T124501123Z-pre-restore' })
  previous_snapshot!: string | null;

  /**
   * Size in bytes of the database file now in place.
   * @example 81920
   */
  size_bytes!: number;
}
