import { IsDatabaseName, IsIdentifier } from '../validation/naming.validators';

export class TableParamsDto {
  /**
   * @example agent_memory_db
   */
  @IsDatabaseName()
  db_name!: string;

  /**
   * Name of the table: a letter or `_`, then letters, digits or `_` (at most 64); not `sqlite_...`.
   * @example users
   */
  @IsIdentifier()
  table_name!: string;
}
