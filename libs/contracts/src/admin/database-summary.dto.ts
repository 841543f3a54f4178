import { ApiProperty } from '@nestjs/swagger';

export class DatabaseSummaryDto {
  /**
   * @example agent_memory_db
   */
  name!: string;

  /** Id of the worker container; `null` on the embedded runtime. */
  @ApiProperty({ type: String, nullable: true, example: null })
  container_id!: string | null;

  /**
   * State of the database's worker: `running` when it serves queries.
   * @example running
   */
  status!: string;

  /**
   * The container runtime that holds the database: `embedded` or `docker`.
   * @example embedded
   */
  runtime!: string;

  /**
   * When the database was first spawned (ISO 8601).
   * @example 2026-11-28T04:30:00.000Z
   */
  created_at!: string;
}
