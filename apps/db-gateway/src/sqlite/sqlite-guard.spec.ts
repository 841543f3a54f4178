import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from './node-sqlite3.driver';
import { SqliteConnection } from './sqlite.port';

/**
 * The SQLite guard on real connections: what it refuses is refused by SQLite for what the statement
 * does, whatever the spelling; what the gateway itself needs still works.
 */
describe('SQLite guard (every connection the driver opens)', () => {
  let dir: string;
  let writer: SqliteConnection;
  let reader: SqliteConnection;
  const driver = new NodeSqlite3Driver();
  const options = { busyTimeoutMs: 1000, synchronous: 'NORMAL' as const };
  const fails = (sql: string, connection = writer) => connection.all(sql).then(() => 'ran', (error: { code: string; message: string }) => `${error.code}: ${error.message}`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sqlite-guard-'));
    writer = await driver.open(join(dir, 'g.db'), { ...options, readOnly: false, create: true });
    await writer.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    reader = await driver.open(join(dir, 'g.db'), { ...options, readOnly: true });
  });

  afterEach(async () => {
    await reader.close();
    await writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    "CREATE TABLE 'temp'.users (x)",
    'CREATE TABLE "temp".users (x)',
    'CREATE TABLE `temp`.users (x)',
    'CREATE TABLE [temp].users (x)',
    'CREATE TABLE TeMp.users (x)',
    'CREATE TEMPORARY TABLE users (x)',
    'CREATE TEMP TABLE t2 AS SELECT * FROM users',
    'CREATE TEMP VIEW v AS SELECT 1',
    "CREATE VIEW 'temp'.v AS SELECT 1",
    'CREATE TEMP TRIGGER t AFTER INSERT ON main.users BEGIN DELETE FROM users; END',
    "CREATE TRIGGER 'temp'.t AFTER INSERT ON main.users BEGIN DELETE FROM users; END",
    'CREATE TRIGGER "TEMP"."t" BEFORE INSERT ON main.users BEGIN SELECT RAISE(IGNORE); END',
  ])('keeps the temp schema empty: %s', async (sql) => {
    expect(await fails(sql)).toMatch(/^SQLITE_AUTH/);
    expect(await writer.all('SELECT count(*) AS n FROM temp.sqlite_schema')).toEqual([{ n: 0 }]);
  });

  it.each([
    'PRAGMA database_list',
    'PRAGMA main.database_list',
    "PRAGMA 'database_list'",
    'SELECT * FROM pragma_database_list',
    'SELECT file FROM main.pragma_database_list()',
    'SELECT name FROM "pragma_database_list"',
    'PRAGMA writable_schema = 1',
    'PRAGMA trusted_schema = 1',
    "SELECT load_extension('/tmp/x.so')",
    "SELECT LOAD_EXTENSION('x', 'y')",
  ])('refuses %s on the writer and on a reader', async (sql) => {
    expect(await fails(sql)).toMatch(/^SQLITE_(AUTH|ERROR): not authorized/);
    expect(await fails(sql, reader)).toMatch(/^SQLITE_(AUTH|ERROR): not authorized/);
  });

  it('refuses ATTACH even where the ATTACH limit allows one', async () => {
    const other = join(dir, 'other.db');
    expect(await fails(`ATTACH '${other}' AS other`)).toMatch(/^SQLITE_AUTH/);
    expect(await fails("ATTACH '' AS scratch")).toMatch(/^SQLITE_AUTH/);
    expect(existsSync(other)).toBe(false);
  });

  it.each([
    ['fts5', 'CREATE VIRTUAL TABLE docs USING fts5(body)', ['docs_data', 'docs_idx', 'docs_config', 'docs_content', 'docs_docsize']],
    ['fts4', 'CREATE VIRTUAL TABLE docs USING fts4(body)', ['docs_content', 'docs_segments', 'docs_segdir', 'docs_docsize', 'docs_stat']],
    ['rtree', 'CREATE VIRTUAL TABLE docs USING rtree(id, x0, x1)', ['docs_node', 'docs_parent', 'docs_rowid']],
  ])('keeps the shadow tables of %s read-only (defensive mode)', async (_kind, create, shadows) => {
    await writer.exec(create);
    await writer.exec(_kind === 'rtree' ? 'INSERT INTO docs VALUES (1, 0, 1)' : "INSERT INTO docs VALUES ('hello world')");
    for (const shadow of shadows) {
      expect(await fails(`DELETE FROM ${shadow}`)).toMatch(/may not be modified/);
      expect(await fails(`INSERT INTO "${shadow}" SELECT * FROM "${shadow}"`)).toMatch(/may not be modified/);
      expect(await fails(`DROP TABLE ${shadow}`)).toMatch(/may not be dropped/);
    }
    // A trigger cannot write them for a client either.
    expect(await fails(`CREATE TRIGGER sneaky AFTER INSERT ON users BEGIN DELETE FROM ${shadows[0]}; END`)).toMatch(/may not write to shadow table/);
    expect(await writer.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('lets no view or trigger call what reveals the host (trusted_schema off)', async () => {
    await writer.exec('CREATE VIEW leak AS SELECT file FROM pragma_database_list');
    expect(await fails('SELECT * FROM leak')).toMatch(/unsafe use of virtual table/);
    expect(await fails('SELECT * FROM leak', reader)).toMatch(/unsafe use of virtual table/);
  });

  it('leaves what the gateway needs working: reads, writes, schema pragmas, VACUUM and VACUUM INTO', async () => {
    await writer.run("INSERT INTO users (name) VALUES ('ada')");
    expect(await reader.all('SELECT name FROM users')).toEqual([{ name: 'ada' }]);
    expect(await reader.all("SELECT name FROM pragma_table_info('users') ORDER BY cid")).toEqual([{ name: 'id' }, { name: 'name' }]);
    expect(await writer.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await writer.vacuum('VACUUM');
    const copy = join(dir, 'copy.db');
    await writer.copyTo(copy);
    expect(existsSync(copy)).toBe(true);
    // The limit is back at 0 and the guard refuses ATTACH again after those.
    expect(await fails(`ATTACH '${join(dir, 'x.db')}' AS x`)).toMatch(/^SQLITE_AUTH/);
  });
});
