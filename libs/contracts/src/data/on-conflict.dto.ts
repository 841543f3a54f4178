import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, IsArray, IsIn, IsString } from 'class-validator';

export const ON_CONFLICT_ACTIONS = ['update', 'ignore'] as const;
export type OnConflictAction = (typeof ON_CONFLICT_ACTIONS)[number];

/** Upsert: what an insert does when a row collides with an existing one on a PRIMARY KEY or UNIQUE constraint. */
export class OnConflictDto {
  /** The conflict target: the columns of a PRIMARY KEY or UNIQUE index (all of them, as SQLite requires). */
  @ApiProperty({ type: [String], example: ['id'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  columns!: string[];

  /** `update`: the colliding row takes the new row's other columns (`DO UPDATE SET c = excluded.c`); `ignore`: the new row is skipped (`DO NOTHING`). */
  @ApiProperty({ enum: ON_CONFLICT_ACTIONS, example: 'update' })
  @IsIn(ON_CONFLICT_ACTIONS)
  action!: OnConflictAction;
}
