import { ApiProperty } from '@nestjs/swagger';

export class SpawnDatabaseResponseDto {
  /**
   * `Database instance spawned successfully.` (201) or `Database instance already exists and is running.` (200).
   */
  @ApiProperty({ example: 'Database instance spawned successfully.' })
  message!: string;

  /**
   * @example agent_memory_db
   */
  db_name!: string;

  /** Id of the worker container; `null` on the embedded runtime, which runs no containers. */
  @ApiProperty({ type: String, nullable: true, example: null })
  container_id!: string | null;
}
