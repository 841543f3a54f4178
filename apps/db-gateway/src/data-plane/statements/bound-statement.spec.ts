import { ErrorCode, SqlParams } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { bindStatement } from './bound-statement';

/** The DomainError `bindStatement` throws, so its code and message can be checked together. */
function bindError(sql: string, params?: SqlParams): DomainError {
  try {
    bindStatement(sql, params);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`bindStatement(${JSON.stringify(sql)}) did not throw`);
}

describe('bindStatement', () => {
  it('returns the SQL, its first keyword and no bindings when no params are given', () => {
    expect(bindStatement('select * from t', undefined)).toEqual({ sql: 'select * from t', firstKeyword: 'SELECT', bindings: [], statementText: 'select * from t' });
  });

  it.each(['', '  ', '-- nothing', ';'])('rejects the empty statement %j', (sql) => {
    const error = bindError(sql);
    expect(error.code).toBe(ErrorCode.SQL_ERROR);
    expect(error.message).toBe('SQL Error: the statement is empty.');
  });

  it('rejects a second statement with MULTIPLE_STATEMENTS', () => {
    const error = bindError('SELECT 1; DROP TABLE t');
    expect(error.code).toBe(ErrorCode.MULTIPLE_STATEMENTS);
    expect(error.message).toBe('SQL Error: You can only execute one statement at a time.');
  });

  it('accepts a trailing semicolon and comment', () => {
    expect(bindStatement('SELECT 1; -- done', undefined).firstKeyword).toBe('SELECT');
  });

  describe('positional params', () => {
    it('binds them in order, booleans as 1 and 0', () => {
      expect(bindStatement('INSERT INTO t VALUES (?, ?, ?, ?, ?)', ['a', 2.5, true, false, null]).bindings).toEqual(['a', 2.5, 1, 0, null]);
    });

    it.each([
      ['SELECT ?, ?', ['x'], 2, 1],
      ['SELECT ?', [1, 2], 1, 2],
      ['SELECT 1', [1], 0, 1],
      ['SELECT ?3, ?1', [1, 2], 3, 2],
    ])('rejects %j with %j', (sql, params, uses, supplied) => {
      const error = bindError(sql, params);
      expect(error.code).toBe(ErrorCode.SQL_ERROR);
      expect(error.message).toBe(
        `SQL Error: Incorrect number of bindings supplied. The current statement uses ${uses}, and there are ${supplied} supplied.`,
      );
    });

    it('counts a repeated ?NNN once', () => {
      expect(bindStatement('SELECT ?1, ?1, ?2', ['a', 'b']).bindings).toEqual(['a', 'b']);
    });
  });

  describe('named params', () => {
    it('adds the prefix the statement uses to a key given without it', () => {
      expect(bindStatement('SELECT :id, @name, $ok', { id: 7, name: 'x', ok: true }).bindings).toEqual({ ':id': 7, '@name': 'x', $ok: 1 });
    });

    it('accepts keys written with their prefix', () => {
      expect(bindStatement('SELECT :id, @flag', { ':id': 1, '@flag': false }).bindings).toEqual({ ':id': 1, '@flag': 0 });
    });

    it.each([
      ['SELECT :id', { other: 1 }, 'other'],
      ['SELECT :id', { '@id': 1 }, '@id'],
      ['SELECT 1', { id: 1 }, 'id'],
    ])('rejects %j with the unknown key %j', (sql, params, key) => {
      const error = bindError(sql, params);
      expect(error.code).toBe(ErrorCode.SQL_ERROR);
      expect(error.message).toBe(`SQL Error: the statement has no parameter named '${key}'.`);
    });

    it('names the first parameter left without a value', () => {
      const error = bindError('SELECT :a, :b, :c', { a: 1 });
      expect(error.code).toBe(ErrorCode.SQL_ERROR);
      expect(error.message).toBe('SQL Error: You did not supply a value for binding parameter :b.');
    });

    it('does not mistake a name inside a string for a parameter', () => {
      expect(bindStatement("SELECT ':ghost', :real", { real: 1 }).bindings).toEqual({ ':real': 1 });
    });
  });
});

describe('bindStatement with identifiers SQLite allows', () => {
  it('reads a$b as a column name, not as a $b parameter', () => {
    expect(bindStatement('SELECT a$b FROM t WHERE id = :id', { id: 1 }).bindings).toEqual({ ':id': 1 });
  });

  it('keeps positional counting when a column name contains $', () => {
    expect(bindError('SELECT a$b FROM t WHERE id = ?', []).message).toContain('uses 1, and there are 0 supplied');
  });

  it('accepts EXPLAIN of a CREATE TRIGGER whose body has several statements', () => {
    const sql = 'EXPLAIN CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET id = 1; UPDATE t SET id = 2; END';
    expect(bindStatement(sql, undefined).firstKeyword).toBe('EXPLAIN');
  });
});
