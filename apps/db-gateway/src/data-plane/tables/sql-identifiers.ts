import { ColumnDefinitionDto, ErrorCode, SqlValue } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';

/**
 * `"name"` with inner quotes doubled. Callers pass only names they checked: against the identifier
 * rule (new tables and columns) or against the table's real schema (rows endpoints).
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\0')) {
    throw new DomainError(ErrorCode.INVALID_IDENTIFIER, `Invalid identifier: ${JSON.stringify(name)}.`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** A SQL literal for a column default. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
  if (value.includes('\0')) {
    throw new DomainError(ErrorCode.VALIDATION_FAILED, 'A default value cannot contain a NUL character.');
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** `CREATE TABLE IF NOT EXISTS` (as v1: creating an existing table succeeds) with every name quoted. */
export function createTableSql(table: string, columns: ColumnDefinitionDto[]): string {
  const keys = columns.filter((column) => column.primary_key);
  const definitions = columns.map((column) => {
    const parts = [quoteIdentifier(column.name), column.type];
    if (column.primary_key && keys.length === 1) parts.push('PRIMARY KEY');
    if (column.not_null) parts.push('NOT NULL');
    if (column.default !== undefined) parts.push(`DEFAULT ${sqlLiteral(column.default)}`);
    return parts.join(' ');
  });
  if (keys.length > 1) definitions.push(`PRIMARY KEY (${keys.map((column) => quoteIdentifier(column.name)).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table)} (${definitions.join(', ')})`;
}

/** One column definition for `ALTER TABLE ... ADD COLUMN`: the column-level form of what createTableSql writes. */
export function columnDefinitionSql(column: ColumnDefinitionDto): string {
  const parts = [quoteIdentifier(column.name), column.type];
  if (column.primary_key) parts.push('PRIMARY KEY');
  if (column.not_null) parts.push('NOT NULL');
  if (column.default !== undefined) parts.push(`DEFAULT ${sqlLiteral(column.default)}`);
  return parts.join(' ');
}
