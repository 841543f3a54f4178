import { Matches } from 'class-validator';
import { IsDatabaseName } from '../validation/naming.validators';

/** The path parameters of one snapshot of one database (download, delete, restore). */
export class SnapshotParamsDto {
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
  @Matches(/^\d{8}T\d{9}Z-[a-z-]+$/, { message: '$property must look like 20261128T121500123Z-manual (UTC time, then the reason)' })
  snapshot_id!: string;
}

/** @deprecated The same parameters as `SnapshotParamsDto`; kept so that existing imports compile. */
export const RestoreSnapshotParamsDto = SnapshotParamsDto;
/** @deprecated Use `SnapshotParamsDto`. */
export type RestoreSnapshotParamsDto = SnapshotParamsDto;
