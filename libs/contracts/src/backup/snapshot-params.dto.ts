import { Matches } from 'class-validator';
import { IsDatabaseName } from '../validation/naming.validators';

export class SnapshotParamsDto {
  /**
   * @example agent_memory_db
   */
  @IsDatabaseName()
  db_name!: string;

  /**
   * @example 20261128T121500123Z-manual
   */
  @Matches(/^\d{8}T\d{9}Z-[a-z-]+$/, { message: '$property must look like 20261128T121500123Z-manual (UTC time, then the reason)' })
  snapshot_id!: string;
}
