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

    it('does not treat a lone prefix character as a parameter', () => {
      expect(scanSql('SELECT 1 WHERE @ = :').names).toEqual([]);
    });
  });
});
