import { ErrorCode, SqlParams, SqlValue } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { SqliteBindings } from '../../sqlite/sqlite.port';
import { ScannedSql, scanSql } from './sql-scanner';
import { checkStatementPolicy } from './refused-statements';

/** One checked statement with its parameters in the shape the driver binds. */
export interface BoundStatement {
  sql: string;
  bindings: SqliteBindings;
  firstKeyword: string;
  /** The statement as the scanner reads it, up to its last token: what the planner asks SQLite to confirm (`checkStatementExtent`). */
  statementText: string;
}

const sqlError = (message: string, code = ErrorCode.SQL_ERROR) => new DomainError(code, `SQL Error: ${message}`);

/** SQLite has no boolean: true and false are stored as 1 and 0. */
export function toBindable(value: SqlValue): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** How many positional values the statement takes, when that is unambiguous without SQLite. */
function positionalCount(scanned: ScannedSql): number | undefined {
  if (scanned.names.length > 0) return undefined;
  if (scanned.highestNumbered === 0) return scanned.anonymousCount;
  return scanned.anonymousCount === 0 ? scanned.highestNumbered : undefined;
}

/**
 * Checks that `sql` is exactly one statement and that `params` fit its placeholders, so a wrong
 * call fails with a clear message instead of silently binding NULLs or ignoring a second statement.
 */
export function bindStatement(sql: string, params: SqlParams | undefined): BoundStatement {
  // SQLite stops reading at a NUL: whatever follows it would be silently ignored.
  if (sql.includes('\0')) throw sqlError('the statement contains a NUL character; bind such values as parameters.');
  const scanned = scanSql(sql);
  if (scanned.firstKeyword === '') throw sqlError('the statement is empty.');
  if (scanned.hasMoreStatements) {
    throw sqlError('You can only execute one statement at a time.', ErrorCode.MULTIPLE_STATEMENTS);
  }
  checkStatementPolicy(scanned.tokens);
  const base = { sql, firstKeyword: scanned.firstKeyword, statementText: sql.slice(0, scanned.end) };
  if (params === undefined || params === null) {
    return { ...base, bindings: [] };
  }
  if (Array.isArray(params)) {
    const expected = positionalCount(scanned);
    if (expected !== undefined && expected !== params.length) {
      throw sqlError(`Incorrect number of bindings supplied. The current statement uses ${expected}, and there are ${params.length} supplied.`);
    }
    return { ...base, bindings: params.map(toBindable) };
  }
  if (scanned.anonymousCount > 0 || scanned.highestNumbered > 0) {
    throw sqlError('the statement has positional parameters (?): give params as an array.');
  }
  const bindings: Record<string, string | number | null> = {};
  for (const [key, value] of Object.entries(params)) {
    const name = /^[:@$#]/.test(key) || /^\d+$/.test(key) ? key : scanned.names.find((candidate) => candidate.slice(1) === key);
    if (name === undefined || (!/^\d+$/.test(name) && !scanned.names.includes(name))) {
      throw sqlError(`the statement has no parameter named '${key}'.`);
    }
    if (name in bindings) throw sqlError(`parameter ${name} is given twice.`);
    bindings[name] = toBindable(value);
  }
  const missing = scanned.names.filter((name) => !(name in bindings));
  if (missing.length > 0) {
    throw sqlError(`You did not supply a value for binding parameter ${missing[0]}.`);
  }
  return { ...base, bindings };
}
