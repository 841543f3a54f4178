import { scanSql } from './sql-scanner';
import { checkStatementPolicy } from './refused-statements';

const check = (sql: string) => () => checkStatementPolicy(scanSql(sql).tokens);

describe('checkStatementPolicy', () => {
  it.each([
    'SELECT * FROM users',
    "INSERT INTO t VALUES ('ATTACH', 'load_extension')",
    'PRAGMA table_info(users)',
    'PRAGMA main.table_info("users")',
    'pragma index_list(users)',
    'PRAGMA foreign_key_list(orders)',
    'PRAGMA integrity_check',
    'PRAGMA journal_mode',
    'PRAGMA foreign_keys',
    'PRAGMA user_version = 7',
    'PRAGMA application_id = 42',
    'SELECT * FROM pragma_table_info(\'users\')',
    'VACUUM',
    'EXPLAIN QUERY PLAN SELECT 1',
    'SELECT "attach" FROM t',
  ])('allows %j', (sql) => {
    expect(check(sql)).not.toThrow();
  });

  it.each([
    ["ATTACH DATABASE '/etc/passwd' AS p", 'STATEMENT_NOT_ALLOWED'],
    ["attach '/tmp/x.db' as x", 'STATEMENT_NOT_ALLOWED'],
    ['DETACH x', 'STATEMENT_NOT_ALLOWED'],
    ["EXPLAIN ATTACH 'x' AS y", 'STATEMENT_NOT_ALLOWED'],
    ["SELECT load_extension('/tmp/evil.so')", 'STATEMENT_NOT_ALLOWED'],
    ["SELECT LOAD_EXTENSION ('/tmp/evil')", 'STATEMENT_NOT_ALLOWED'],
    ["VACUUM INTO '/tmp/copy.db'", 'STATEMENT_NOT_ALLOWED'],
    ["VACUUM main INTO '/tmp/copy.db'", 'STATEMENT_NOT_ALLOWED'],
    ['PRAGMA journal_mode = DELETE', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA journal_mode(OFF)', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA writable_schema = ON', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA "writable_schema" = 1', 'PRAGMA_NOT_ALLOWED'],
    ["PRAGMA 'locking_mode' = EXCLUSIVE", 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA [temp_store_directory] = \'/tmp\'', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA foreign_keys = OFF', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA synchronous = OFF', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA query_only = 1', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA database_list', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA temp.table_info(x)', 'PRAGMA_NOT_ALLOWED'],
    ['PRAGMA', 'PRAGMA_NOT_ALLOWED'],
    ['SELECT * FROM pragma_database_list', 'PRAGMA_NOT_ALLOWED'],
    ['/* hi */ PRAGMA /* there */ writable_schema=1', 'PRAGMA_NOT_ALLOWED'],
  ])('refuses %j with %s', (sql, code) => {
    expect(check(sql)).toThrow(expect.objectContaining({ code }));
  });
});
