export class PruneDatabaseResponseDto {
  /** @example Database instance pruned successfully. */
  message!: string;

  /** @example agent_memory_db */
  db_name!: string;
}
