import { IsIn, IsOptional } from 'class-validator';

export const EXPORT_FORMATS = ['sql'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportQueryDto {
  /**
   * The dump's format; only `sql` (a script of SQL statements that recreates the database). Default `sql`.
   * @example sql
   */
  @IsOptional()
  @IsIn(EXPORT_FORMATS, { message: '$property must be sql (for a copy of the SQLite file use GET .../backup)' })
  format?: ExportFormat;
}
