import { scanSql } from './sql-scanner';

describe('scanSql', () => {
  describe('first keyword', () => {
    it.each([
      ['SELECT 1', 'SELECT'],
      ['  select 1', 'SELECT'],
      ['\n\twith c AS (SELECT 1) SELECT * FROM c', 'WITH'],
      ['-- leading comment\nPRAGMA table_info(t)', 'PRAGMA'],
      ['/* block */ insert INTO t VALUES (1)', 'INSERT'],
      [';SELECT 1', 'SELECT'],
    ])('reads %j as %s', (sql, keyword) => {
      expect(scanSql(sql).firstKeyword).toBe(keyword);
    });

    it.each(['', '   \n ', '-- only a comment', '/* only a comment */', ';;'])('is empty for %j', (sql) => {
      expect(scanSql(sql).firstKeyword).toBe('');
    });
  });

  describe('statement ends', () => {
    it.each([
      'SELECT 1',
      'SELECT 1;',
      'SELECT 1;;  ',
      'SELECT 1; -- trailing comment',
      'SELECT 1; /* trailing comment */',
      "SELECT 'a;b'",
      'SELECT "x;y" FROM t',
      'SELECT `x;y` FROM t',
      'SELECT [x;y] FROM t',
      'SELECT 1 -- ; SELECT 2',
      'SELECT 1 /* ; SELECT 2 */',
      "SELECT 'it''s; fine'",
      'SELECT "a"";b" FROM t',
    ])('sees one statement in %j', (sql) => {
      expect(scanSql(sql).hasMoreStatements).toBe(false);
    });

    it.each(['SELECT 1; SELECT 2', 'SELECT 1;DROP TABLE t', "SELECT 'it''s'; DELETE FROM t", 'SELECT 1; -- c\nSELECT 2', 'SELECT 1 /* c */ ; x'])(
      'detects a second statement in %j',
      (sql) => {
        expect(scanSql(sql).hasMoreStatements).toBe(true);
      },
    );
  });

  describe('CREATE TRIGGER', () => {
    const trigger = `CREATE TRIGGER audit AFTER INSERT ON t BEGIN
      INSERT INTO log VALUES (new.id, CASE WHEN new.id > 0 THEN 'pos' ELSE 'neg' END);
      UPDATE t SET seen = 1 WHERE id = new.id;
    END`;

    it('treats the semicolons of the BEGIN ... END body as part of one statement', () => {
      expect(scanSql(trigger)).toMatchObject({ firstKeyword: 'CREATE', hasMoreStatements: false });
      expect(scanSql(`${trigger};`).hasMoreStatements).toBe(false);
      expect(scanSql(trigger.replace('CREATE TRIGGER', 'CREATE TEMP TRIGGER')).hasMoreStatements).toBe(false);
    });

    it('still detects a statement after the END', () => {
      expect(scanSql(`${trigger}; DROP TABLE t`).hasMoreStatements).toBe(true);
    });

    it('does not let a CASE ... END close the trigger body early', () => {
      const sql = 'CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; SELECT 3; END; DELETE FROM t';
      expect(scanSql(sql).hasMoreStatements).toBe(true);
      expect(scanSql(sql.replace('; DELETE FROM t', '')).hasMoreStatements).toBe(false);
    });

    it.each([
      ['a trigger named begin', 'CREATE TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users'],
      ['a trigger named "end"', 'CREATE TRIGGER "end" AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users'],
      ['a trigger named case', 'CREATE TRIGGER case AFTER INSERT ON users BEGIN SELECT 1; END;DELETE FROM users'],
      ['a body with nested BEGIN words', 'CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT begin FROM x; END; DELETE FROM users'],
      ['a temp trigger named begin', 'CREATE TEMP TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users'],
      ['EXPLAIN of a trigger named begin', 'EXPLAIN CREATE TRIGGER begin AFTER INSERT ON users BEGIN SELECT 1; END; DELETE FROM users'],
    ])('ends the trigger where SQLite does, at END ; after a ; (%s)', (_name, sql) => {
      expect(scanSql(sql).hasMoreStatements).toBe(true);
      expect(scanSql(sql.replace(/; ?DELETE FROM users$/, '')).hasMoreStatements).toBe(false);
    });

    it.each([
      'CREATE TRIGGER t AFTER INSERT ON users BEGIN UPDATE users SET end=1 WHERE 0; END',
      'CREATE TRIGGER t AFTER INSERT ON users BEGIN UPDATE users SET "end" = 1, x = CASE WHEN end THEN 1 END WHERE 0; END;',
      'CREATE TRIGGER t AFTER INSERT ON users BEGIN SELECT end FROM users; SELECT 1 AS end; END',
    ])('takes a column named end inside the body as a name, not the end: %s', (sql) => {
      expect(scanSql(sql).hasMoreStatements).toBe(false);
    });

    it('gives no BEGIN ... END meaning to statements other than CREATE TRIGGER', () => {
      expect(scanSql('BEGIN; SELECT 1; END').hasMoreStatements).toBe(true);
    });
  });

  describe('parameters', () => {
    it('counts bare ? placeholders', () => {
      expect(scanSql('INSERT INTO t VALUES (?, ?, ?)')).toMatchObject({ anonymousCount: 3, highestNumbered: 0, names: [] });
    });

    it('reports the highest ?NNN index', () => {
      expect(scanSql('SELECT ?2, ?10, ?2')).toMatchObject({ anonymousCount: 0, highestNumbered: 10 });
    });

    it('collects each :name, @name and $name once, prefix included', () => {
      expect(scanSql('SELECT :id, @name, $age, :id, :ünï').names).toEqual([':id', '@name', '$age', ':ünï']);
    });

    it('ignores parameter-like text in strings, quoted identifiers, brackets and comments', () => {
      const scanned = scanSql(`SELECT ':a ?', "@b", [$c], \`?\` FROM t -- :d ?\n/* @e ? */ WHERE x = :real`);
      expect(scanned).toMatchObject({ anonymousCount: 0, highestNumbered: 0, names: [':real'] });
    });

    it.each([
      ["SELECT $a(x') FROM t WHERE 1 -- '", ["$a(x')"]],
      ['SELECT $a::b::c, @n, #h FROM t', ['$a::b::c', '@n', '#h']],
      ["SELECT :x(y;z') FROM t", [":x(y;z')"]],
    ])('reads Tcl-style parameters as SQLite does, quote characters inside them included: %s', (sql, names) => {
      const scanned = scanSql(sql);
      expect(scanned.names).toEqual(names);
      expect(scanned.hasMoreStatements).toBe(false);
    });

    it("does not let a Tcl parameter's quote hide the tokens after it from the policy", () => {
      const scanned = scanSql("SELECT $a(x') , file FROM pragma_database_list -- '");
      expect(scanned.tokens).toContain('PRAGMA_DATABASE_LIST');
      expect(scanSql("SELECT $a(x'); DELETE FROM t; SELECT '").hasMoreStatements).toBe(true);
    });

    it('treats only SQL whitespace as whitespace (U+00A0 belongs to a name, \\v is no space)', () => {
      expect(scanSql('SELECT\u00a01').tokens).toEqual(['SELECT\u00a01']);
      expect(scanSql('SELECT 1\u000b').tokens).toEqual(['SELECT', '1', '\u000b']);
    });

    it('does not treat a lone prefix character as a parameter', () => {
      expect(scanSql('SELECT 1 WHERE @ = :').names).toEqual([]);
    });
  });
});
