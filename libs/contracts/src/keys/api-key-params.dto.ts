import { Matches } from 'class-validator';
import { IsDatabaseName } from '../validation/naming.validators';

export class ApiKeyParamsDto {
  /**
   * @example agent_memory_db
   */
  @IsDatabaseName()
  db_name!: string;

  /**
   * @example key_9f2c4a7e1b3d
   */
  @Matches(/^key_[0-9a-f]{12}$/, { message: '$property must look like key_ followed by 12 hex digits' })
  key_id!: string;
}
