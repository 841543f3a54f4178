import { ColumnDefinitionDto } from './column-definition.dto';

/**
 * One new column, as in create-table. SQLite's ALTER TABLE ADD COLUMN refuses `primary_key`, and
 * `not_null` without a non-null `default`; both answer 400 with SQLite's reason.
 */
export class AddColumnRequestDto extends ColumnDefinitionDto {}
