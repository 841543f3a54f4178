import { ApiProperty } from '@nestjs/swagger';

export const SNAPSHOT_REASONS = ['scheduled', 'manual', 'pre-restore'] as const;

/** One snapshot of a database: a complete SQLite file kept under `<data>/.dbforge/snapshots/<db>/<id>.db`. */
export class SnapshotDto {
  /**
   * `<UTC yyyyMMddTHHmmssSSSZ>-<reason>`; sorts by time.
   * @example 20261128T121500123Z-manual
   */
  id!: string;

  /** Why it was taken: `scheduled` (the snapshot schedule), `manual` (POST .../snapshots) or `pre-restore` (the version a restore replaced). */
  @ApiProperty({ example: 'manual', description: 'scheduled, manual or pre-restore (other reasons may appear as the service grows).' })
  reason!: string;

  /**
   * When it was taken (ISO 8601, UTC, from its id).
   * @example 2026-11-28T12:15:00.123Z
   */
  created_at!: string;

  /**
   * Size of the snapshot file in bytes.
   * @example 24576
   */
  size_bytes!: number;
}
