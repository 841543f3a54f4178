import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatementSplitter, dumpStatements } from './sql-dump-statements';

describe('dumpStatements', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dump-statements-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const sut = async (sql: string): Promise<string[]> => {
    const file = join(dir, 'dump.sql');
    await writeFile(file, sql);
    const statements: string[] = [];
    for await (const statement of dumpStatements(file)) statements.push(statement.trim());
    return statements;
  };

  it('splits on ; outside strings, comments and trigger bodies, and keeps a last statement without ;', async () => {
    expect(
      await sut(
        "CREATE TABLE t (a);\nINSERT INTO t VALUES ('x;y'); -- note; here\n/* block; */CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; SELECT CASE WHEN 1 THEN 2 END; END;\nSELECT 1",
      ),
    ).toEqual([
      'CREATE TABLE t (a);',
      "INSERT INTO t VALUES ('x;y');",
      '-- note; here\n/* block; */CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; SELECT CASE WHEN 1 THEN 2 END; END;',
      'SELECT 1',
    ]);
  });

  it('yields nothing for comments and empty statements only', async () => {
    expect(await sut('-- nothing\n;;  /* still nothing */\n')).toEqual([]);
  });

  it('handles statements spread over many read chunks', async () => {
    const long = `INSERT INTO t VALUES ('${'a;'.repeat(100_000)}');`;
    expect(await sut(`${long}\n${long}`)).toEqual([long, long]);
  });

  it('gives the same statements when fed one character at a time (quotes, doubled quotes and comments cut anywhere)', () => {
    const sql = "INSERT INTO t VALUES ('it''s; fine', \"q\"\"x;\", [a;b]); -- c;\nSELECT 1 /* ; */; SELECT '';\nSELECT 2 - 1 / 1;";
    const splitter = new StatementSplitter();
    const statements: string[] = [];
    for (const c of sql) statements.push(...splitter.push(c));
    statements.push(...splitter.push('', true));
    expect(statements.map((statement) => statement.trim())).toEqual([
      "INSERT INTO t VALUES ('it''s; fine', \"q\"\"x;\", [a;b]);",
      '-- c;\nSELECT 1 /* ; */;',
      "SELECT '';",
      'SELECT 2 - 1 / 1;',
    ]);
  });
});
