import { ErrorCode } from '@dbforge/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../common/domain.error';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { columnDefinitionSql, createTableSql, quoteIdentifier, sqlLiteral } from './sql-identifiers';

describe('quoteIdentifier', () => {
  it.each([
    ['users', '"users"'],
    ['my "quoted" name', '"my ""quoted"" name"'],
    ['"', '""""'],
  ])('quotes %j as %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it.each(['', 'a\0b'])('rejects %j with INVALID_IDENTIFIER', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(DomainError);
    expect(() => quoteIdentifier(name)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_IDENTIFIER }));
  });
});

describe('sqlLiteral', () => {
  it.each([
    [null, 'NULL'],
    [true, '1'],
    [false, '0'],
    [42, '42'],
    [1.5, '1.5'],
    [-7, '(-7)'],
    [-0.25, '(-0.25)'],
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["'); DROP TABLE t; --", "'''); DROP TABLE t; --'"],
  ])('writes %j as %s', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal);
  });

  it('refuses a string with a NUL, which would end the SQL text early', () => {
    expect(() => sqlLiteral('a\0b')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('createTableSql', () => {
  it('marks a single key column PRIMARY KEY inline', () => {
    expect(createTableSql('users', [{ name: 'id', type: 'INTEGER', primary_key: true }, { name: 'name', type: 'TEXT', not_null: true }])).toBe(
      'CREATE TABLE IF NOT EXISTS "users" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL)',
    );
  });

  it('declares several key columns as one composite PRIMARY KEY', () => {
    expect(
      createTableSql('memberships', [
        { name: 'user_id', type: 'INTEGER', primary_key: true },
        { name: 'group_id', type: 'INTEGER', primary_key: true },
        { name: 'role', type: 'TEXT', default: 'member' },
      ]),
    ).toBe(
      'CREATE TABLE IF NOT EXISTS "memberships" ("user_id" INTEGER, "group_id" INTEGER, "role" TEXT DEFAULT \'member\', PRIMARY KEY ("user_id", "group_id"))',
    );
  });

  describe('in a real SQLite database', () => {
    let dir: string;
    let connection: SqliteConnection;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sql-identifiers-'));
      connection = await new NodeSqlite3Driver().open(join(dir, 'tables.db'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
    });

    afterAll(async () => {
      await connection.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('creates the columns, keys and defaults it describes', async () => {
      await connection.exec(
        createTableSql('odd "table"', [
          { name: 'id', type: 'INTEGER', primary_key: true },
          { name: 'quote', type: 'TEXT', not_null: true, default: "it's" },
          { name: 'delta', type: 'REAL', default: -1.5 },
          { name: 'active', type: 'BOOLEAN', default: true },
          { name: 'note', type: 'VARCHAR(20)', default: null },
        ]),
      );
      await connection.run(`INSERT INTO ${quoteIdentifier('odd "table"')} DEFAULT VALUES`);

      expect(await connection.all('SELECT * FROM "odd ""table"""')).toEqual([{ id: 1, quote: "it's", delta: -1.5, active: 1, note: null }]);
      const columns = await connection.all('SELECT name, type, "notnull", pk FROM pragma_table_info(\'odd "table"\')');
      expect(columns).toEqual([
        { name: 'id', type: 'INTEGER', notnull: 0, pk: 1 },
        { name: 'quote', type: 'TEXT', notnull: 1, pk: 0 },
        { name: 'delta', type: 'REAL', notnull: 0, pk: 0 },
        { name: 'active', type: 'BOOLEAN', notnull: 0, pk: 0 },
        { name: 'note', type: 'VARCHAR(20)', notnull: 0, pk: 0 },
      ]);
    });

    it('makes a composite key that rejects a duplicate pair', async () => {
      await connection.exec(
        createTableSql('pairs', [
          { name: 'a', type: 'INTEGER', primary_key: true },
          { name: 'b', type: 'INTEGER', primary_key: true },
        ]),
      );
      const keys = await connection.all("SELECT name, pk FROM pragma_table_info('pairs')");
      expect(keys).toEqual([
        { name: 'a', pk: 1 },
        { name: 'b', pk: 2 },
      ]);
      await connection.run('INSERT INTO pairs VALUES (1, 1), (1, 2)');
      await expect(connection.run('INSERT INTO pairs VALUES (1, 2)')).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    });

    it('keeps an injection attempt in a default as plain text', async () => {
      await connection.exec(createTableSql('notes', [{ name: 'body', type: 'TEXT', default: "'); DROP TABLE pairs; --" }]));
      await connection.run('INSERT INTO notes DEFAULT VALUES');
      expect(await connection.all('SELECT body FROM notes')).toEqual([{ body: "'); DROP TABLE pairs; --" }]);
      expect(await connection.all("SELECT name FROM sqlite_master WHERE name = 'pairs'")).toHaveLength(1);
    });

    it('succeeds again for a table that already exists', async () => {
      const sql = createTableSql('twice', [{ name: 'x', type: 'TEXT' }]);
      await connection.exec(sql);
      await expect(connection.exec(sql)).resolves.toBeUndefined();
    });
  });
});

describe('columnDefinitionSql', () => {
  it.each([
    [{ name: 'age', type: 'INTEGER' }, '"age" INTEGER'],
    [{ name: 'vip', type: 'INTEGER', not_null: true, default: false }, '"vip" INTEGER NOT NULL DEFAULT 0'],
    [{ name: 'note', type: 'TEXT', default: "it's" }, '"note" TEXT DEFAULT \'it\'\'s\''],
    [{ name: 'id', type: 'INTEGER', primary_key: true }, '"id" INTEGER PRIMARY KEY'],
    [{ name: 'delta', type: 'REAL', default: -1.5 }, '"delta" REAL DEFAULT (-1.5)'],
  ])('writes %j as %s', (column, sql) => {
    expect(columnDefinitionSql(column)).toBe(sql);
  });
});
