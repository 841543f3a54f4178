import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { scanSql } from './sql-scanner';
import { checkStatementExtent } from './statement-extent';

describe('checkStatementExtent (SQLite decides where a statement ends)', () => {
  let dir: string;
  let connection: SqliteConnection;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'statement-extent-'));
    connection = await new NodeSqlite3Driver().open(join(dir, 'x.db'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
    await connection.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, "end" INTEGER)');
  });

  afterAll(async () => {
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  });

  const verdict = (text: string, firstKeyword = 'SELECT') => checkStatementExtent(connection, text, firstKeyword).then(() => 'one', (error: { code?: string }) => error.code ?? 'error');

  it.each([
    'SELECT 1',
    "SELECT 'a;b'",
    'CREATE TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END',
    'CREATE TRIGGER t AFTER INSERT ON users BEGIN UPDATE users SET end = 1 WHERE 0; END',
    "SELECT ';' || $a(x') FROM users",
  ])('accepts one statement: %s', async (text) => {
    expect(await verdict(text, scanSql(text).firstKeyword)).toBe('one');
  });

  it.each([
    ['a second statement after a trigger', 'CREATE TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users', 'CREATE'],
    ['a statement a scanner would take for a string', "SELECT $a(x'); DELETE FROM users; SELECT '", 'SELECT'],
    ['an EXPLAIN followed by a write', 'EXPLAIN SELECT 1; DELETE FROM users', 'EXPLAIN'],
    ['a line comment SQLite ends at a newline', 'SELECT 1 --\n; DELETE FROM users', 'SELECT'],
  ])('refuses a text SQLite reads as more than one statement (%s), running nothing', async (_name, text, keyword) => {
    await connection.run("INSERT INTO users (name) VALUES ('kept')");
    expect(await verdict(text, keyword)).toBe('MULTIPLE_STATEMENTS');
    expect(await connection.all("SELECT count(*) AS n FROM users WHERE name = 'kept'")).not.toEqual([{ n: 0 }]);
  });

  it('agrees with the scanner on 3,000 generated texts: whenever the scanner sees one statement that compiles, so does SQLite', async () => {
    const pieces = [
      'SELECT', 'CREATE', 'TRIGGER', 'TEMP', 'BEGIN', 'END', 'CASE', 'WHEN', 'THEN', 'EXPLAIN', 'AFTER INSERT ON users', 'users', 'end', '1',
      ';', ';', ';', "'", "'a;b'", '"', '"x"', '`', '[', ']', '$a(', "$a(x')", ':p', '@q', '#r', '?', '?2', '--', '\n', '/*', '*/', ' ', 'x\'00\'', '(', ')',
      ',', '*', '=', 'DELETE FROM users', 'UPDATE users SET "end"=1 WHERE 0', '\u00a0', '\t',
    ];
    let seed = 20261202;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      const length = 2 + Math.floor(random() * 14);
      const text = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join(random() < 0.5 ? ' ' : '');
      const scanned = scanSql(text);
      if (scanned.hasMoreStatements || scanned.firstKeyword === '') continue;
      const statement = text.slice(0, scanned.end);
      const compiles = await connection.all(`EXPLAIN ${statement}`).then(() => true, () => false);
      if (!compiles) continue;
      compiled++;
      expect({ text, verdict: await verdict(statement, scanned.firstKeyword) }).toEqual({ text, verdict: 'one' });
    }
    expect(compiled).toBeGreaterThan(20);
  });
});
