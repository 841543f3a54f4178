import { UsageError } from './args';
import { editDistance } from './edit-distance';

/**
 * The type names SQLite's documentation lists (datatype3.html), with an optional size: SQLite
 * accepts any word as a type, so a typo like `INTEGR` silently gets NUMERIC affinity. The CLI
 * refuses names outside this list unless told `--any-type`.
 */
const TYPE_NAMES = [
  'INTEGER', 'INT', 'TINYINT', 'SMALLINT', 'MEDIUMINT', 'BIGINT', 'UNSIGNED BIG INT', 'INT2', 'INT8',
  'TEXT', 'CLOB', 'CHARACTER', 'CHAR', 'VARCHAR', 'VARYING CHARACTER', 'NCHAR', 'NATIVE CHARACTER', 'NVARCHAR',
  'BLOB', 'REAL', 'DOUBLE', 'DOUBLE PRECISION', 'FLOAT', 'NUMERIC', 'DECIMAL', 'BOOLEAN', 'BOOL',
  'DATE', 'DATETIME', 'TIMESTAMP', 'TIME', 'JSON', 'ANY',
];
const SIZE = /\s*\(\s*\d+\s*(,\s*\d+\s*)?\)$/;


/** Refuses a column type that is not one of SQLite's type names (`what` names the column in the message). */
export function checkColumnType(type: string, what: string): void {
  const name = type.replace(SIZE, '').trim().replace(/\s+/g, ' ').toUpperCase();
  if (TYPE_NAMES.includes(name)) return;
  const [nearest] = TYPE_NAMES.map((candidate) => ({ candidate, cost: editDistance(name, candidate) })).sort((a, b) => a.cost - b.cost);
  const hint = nearest.cost <= 2 ? ` Did you mean ${nearest.candidate}?` : '';
  throw new UsageError(`${what}: ${type} is not a SQLite type name (SQLite would store it with NUMERIC affinity).${hint} Pass --any-type to use it anyway.`);
}
