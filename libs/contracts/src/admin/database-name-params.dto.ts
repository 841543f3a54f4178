import { IsDatabaseName } from '../validation/naming.validators';

export class DatabaseNameParamsDto {
  /**
   * Name of the database: a letter or digit, then up to 62 letters, digits, `_`, `.` or `-`; no `..`.
   * @example agent_memory_db
   */
  @IsDatabaseName()
  db_name!: string;
}
