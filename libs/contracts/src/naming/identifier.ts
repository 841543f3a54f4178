/** Table and column names accepted by the convenience endpoints. */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const IDENTIFIER_RULE =
  'must start with a letter or "_", contain only letters, digits or "_", be at most 64 characters and not start with "sqlite_"';

/** Column types: a type name of one or more words with an optional size, e.g. `VARCHAR(255)`, `DOUBLE PRECISION`, `DECIMAL(10, 2)`. */
export const COLUMN_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*){0,3}( ?\( ?[0-9]{1,9} ?(, ?[0-9]{1,9} ?)?\))?$/;

/** Words that start a column constraint: a type name must not smuggle one in. */
const CONSTRAINT_WORDS = new Set([
  'AS', 'AUTOINCREMENT', 'CHECK', 'COLLATE', 'CONSTRAINT', 'DEFAULT', 'FOREIGN', 'GENERATED', 'KEY', 'NOT', 'NULL',
  'ON', 'PRIMARY', 'REFERENCES', 'UNIQUE', 'ALWAYS', 'STORED', 'VIRTUAL',
]);

/** True when `type` is only a type name (with an optional size), never a constraint. */
export function isValidColumnType(type: unknown): type is string {
  if (typeof type !== 'string' || !COLUMN_TYPE_PATTERN.test(type)) return false;
  const words = type.replace(/\(.*\)/, ' ').trim().split(/\s+/);
  return words.every((word) => !CONSTRAINT_WORDS.has(word.toUpperCase()));
}

/** True when `name` is a safe identifier (SQLite reserves the `sqlite_` prefix). */
export function isValidIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER_PATTERN.test(name) && !name.toLowerCase().startsWith('sqlite_');
}
