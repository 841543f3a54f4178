/** A value that can be bound to a statement parameter or stored in a column. */
export type SqlValue = string | number | boolean | null;

/** Positional (`?`, `?1`) or named (`:name`, `@name`, `$name`) statement parameters. */
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

/** A row as sent or returned: column name to value. */
export type Row = Record<string, SqlValue>;

export function isSqlValue(value: unknown): value is SqlValue {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

export function isSqlParams(value: unknown): value is SqlParams {
  if (Array.isArray(value)) return value.every(isSqlValue);
  return isPlainObject(value) && Object.values(value).every(isSqlValue);
}

export function isRow(value: unknown): value is Row {
  return isPlainObject(value) && Object.values(value).every(isSqlValue);
}
