import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';

/** PRAGMAs that only report. `database_list` is left out: it would show host paths. */
const READABLE_PRAGMAS = new Set([
  'APPLICATION_ID', 'AUTO_VACUUM', 'BUSY_TIMEOUT', 'CACHE_SIZE', 'COLLATION_LIST', 'COMPILE_OPTIONS', 'DATA_VERSION',
  'ENCODING', 'FOREIGN_KEY_CHECK', 'FOREIGN_KEY_LIST', 'FOREIGN_KEYS', 'FREELIST_COUNT', 'FUNCTION_LIST', 'INDEX_INFO',
  'INDEX_LIST', 'INDEX_XINFO', 'INTEGRITY_CHECK', 'JOURNAL_MODE', 'MAX_PAGE_COUNT', 'MODULE_LIST', 'OPTIMIZE',
  'PAGE_COUNT', 'PAGE_SIZE', 'PRAGMA_LIST', 'QUICK_CHECK', 'SCHEMA_VERSION', 'SYNCHRONOUS', 'TABLE_INFO', 'TABLE_LIST',
  'TABLE_XINFO', 'USER_VERSION',
]);

/** PRAGMAs whose argument names what to report on rather than a new setting. */
const ARGUMENT_PRAGMAS = new Set([
  'FOREIGN_KEY_CHECK', 'FOREIGN_KEY_LIST', 'INDEX_INFO', 'INDEX_LIST', 'INDEX_XINFO', 'INTEGRITY_CHECK', 'OPTIMIZE',
  'QUICK_CHECK', 'TABLE_INFO', 'TABLE_LIST', 'TABLE_XINFO',
]);

/** PRAGMAs an application may set: they only store a number in the database header. */
const SETTABLE_PRAGMAS = new Set(['USER_VERSION', 'APPLICATION_ID']);

const refuse = (code: ErrorCode, message: string) => new DomainError(code, message);

/**
 * Refuses statements that would reach outside their database or break the service: ATTACH/DETACH,
 * load_extension(), VACUUM INTO, and any PRAGMA but the harmless ones (setting only user_version and
 * application_id). Reads the scanner's tokens, so quoting or case do not get around it.
 */
export function checkStatementPolicy(tokens: string[]): void {
  const start = tokens[0] !== 'EXPLAIN' ? 0 : tokens[1] === 'QUERY' && tokens[2] === 'PLAN' ? 3 : 1;
  const statement = tokens.slice(start);
  const keyword = statement[0];
  if (keyword === 'ATTACH' || keyword === 'DETACH') {
    throw refuse(ErrorCode.STATEMENT_NOT_ALLOWED, `${keyword} is not allowed: a database cannot reach another file.`);
  }
  if (keyword === 'VACUUM' && statement.includes('INTO')) {
    throw refuse(ErrorCode.STATEMENT_NOT_ALLOWED, 'VACUUM INTO is not allowed: a database cannot write another file.');
  }
  if (tokens.includes('LOAD_EXTENSION')) {
    throw refuse(ErrorCode.STATEMENT_NOT_ALLOWED, 'load_extension() is not allowed.');
  }
  for (const token of tokens) {
    if (token.startsWith('PRAGMA_') && !READABLE_PRAGMAS.has(token.slice('PRAGMA_'.length))) {
      throw refuse(ErrorCode.PRAGMA_NOT_ALLOWED, `${token.toLowerCase()} is not allowed.`);
    }
  }
  if (keyword === 'PRAGMA') checkPragma(statement.slice(1));
  // TEMP objects live on one pooled connection: invisible to the others, and a TEMP trigger on a main
  // table would act on every later client's writes.
  if (keyword === 'CREATE' && (statement[1] === 'TEMP' || statement[1] === 'TEMPORARY')) {
    throw refuse(ErrorCode.STATEMENT_NOT_ALLOWED, 'TEMP tables, views and triggers are not allowed: they would live on one pooled connection only.');
  }
  if (tokens.some((token, index) => (token === 'TEMP' || token === 'TEMPORARY') && tokens[index + 1] === '.')) {
    throw refuse(ErrorCode.STATEMENT_NOT_ALLOWED, 'The temp schema is not allowed: it lives on one pooled connection only.');
  }

}

function checkPragma(tokens: string[]): void {
  // SQLite takes a pragma name as a string too: PRAGMA 'writable_schema' = 1.
  const rest = tokens.map((token) => (token.startsWith("'") ? token.slice(1) : token));
  const qualified = rest[1] === '.';
  const name = qualified ? rest[2] : rest[0];
  const next = qualified ? rest[3] : rest[1];
  const shown = (name ?? '').toLowerCase();
  if (qualified && rest[0] !== 'MAIN') {
    throw refuse(ErrorCode.PRAGMA_NOT_ALLOWED, `PRAGMA on schema "${rest[0].toLowerCase()}" is not allowed; use main.`);
  }
  if (!name || !READABLE_PRAGMAS.has(name)) {
    throw refuse(ErrorCode.PRAGMA_NOT_ALLOWED, `PRAGMA ${shown} is not allowed: it could break the service. Allowed: ${[...READABLE_PRAGMAS].join(', ').toLowerCase()}.`);
  }
  const sets = next === '=' || (next === '(' && !ARGUMENT_PRAGMAS.has(name));
  if (sets && !SETTABLE_PRAGMAS.has(name)) {
    throw refuse(ErrorCode.PRAGMA_NOT_ALLOWED, `PRAGMA ${shown} can be read but not set.`);
  }
}
