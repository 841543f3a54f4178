import { Matches } from 'class-validator';
import { IsDatabaseName } from '../validation/naming.validators';

export class RestoreSnapshotParamsDto {
  /**
   * Name of the database.
   * @example agent_memory_db
   */
  @IsDatabaseName()
  db_name!: string;

  /**
   * Snapshot id: `<UTC yyyyMMddTHHmmssSSSZ>-<reason>` (reasons `scheduled`, `manual`, `pre-restore`).
   * @example 20261128T124501123Z-pre-restore
   */
  @Matches(/^\d{8}T\d{9}Z-[a-z-]+$/, { message: 'snapshot_id must look like 20261128T124501123Z-manual' })
  snapshot_id!: string;
}
