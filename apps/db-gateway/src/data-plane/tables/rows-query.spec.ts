import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { Affinity, TableShape, affinityOf, parseRowsQuery, typedValue } from './rows-query';

const table: TableShape = {
  name: 'people',
  columns: new Map<string, Affinity>([
    ['id', 'INTEGER'],
    ['name', 'TEXT'],
    ['age', 'INTEGER'],
    ['score', 'REAL'],
    ['odd__name', 'TEXT'],
    ['x.desc', 'TEXT'],
    ['_secret', 'TEXT'],
    ['raw', 'BLOB'],
  ]),
  rowKey: ['rowid'],
};

const codeOf = (work: () => unknown): ErrorCode | undefined => {
  try {
    work();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('affinityOf', () => {
  it.each([
    ['INTEGER', 'INTEGER'],
    ['bigint', 'INTEGER'],
    ['VARCHAR(20)', 'TEXT'],
    ['', 'BLOB'],
    ['DOUBLE PRECISION', 'REAL'],
    ['DECIMAL(10,2)', 'NUMERIC'],
  ])('%j has affinity %s', (declared, affinity) => {
    expect(affinityOf(declared)).toBe(affinity);
  });
});

describe('typedValue', () => {
  it('binds numeric text as a number for numeric affinities only', () => {
    expect(typedValue('10', 'INTEGER')).toBe(10);
    expect(typedValue('2.5', 'REAL')).toBe(2.5);
    expect(typedValue('1e3', 'NUMERIC')).toBe(1000);
    expect(typedValue('10', 'TEXT')).toBe('10');
    expect(typedValue('10', 'BLOB')).toBe('10');
    expect(typedValue('ten', 'INTEGER')).toBe('ten');
    expect(typedValue('99999999999999999999', 'INTEGER')).toBe('99999999999999999999');
  });
});

describe('parseRowsQuery', () => {
  const sut = (params: Record<string, unknown>, kind: 'read' | 'write' = 'read') => parseRowsQuery(params, table, kind, 100);

  it('reads equality and operator filters, typed by the column', () => {
    expect(sut({ name: 'Ada', age__gt: '9', age__in: '1,x', score__isnull: 'false', name__like: 'A%' }).filters).toEqual([
      { column: 'name', operator: 'eq', value: 'Ada' },
      { column: 'age', operator: 'gt', value: 9 },
      { column: 'age', operator: 'in', values: [1, 'x'] },
      { column: 'score', operator: 'isnull', isNull: false },
      { column: 'name', operator: 'like', value: 'A%' },
    ]);
  });

  it('matches an exact column before reading an operator suffix, and a _column as a filter', () => {
    expect(sut({ odd__name: 'x', odd__name__ne: 'y', _secret: 's' }).filters).toEqual([
      { column: 'odd__name', operator: 'eq', value: 'x' },
      { column: 'odd__name', operator: 'ne', value: 'y' },
      { column: '_secret', operator: 'eq', value: 's' },
    ]);
  });

  it('reads select, order, limit, offset, count', () => {
    expect(sut({ _select: 'name,age,name', _order: 'age.desc,name,score.nullslast,x.desc', _limit: '10', _offset: '5', _count: 'true' })).toEqual({
      filters: [],
      select: ['name', 'age'],
      order: [
        { column: 'age', descending: true, nullsFirst: false },
        { column: 'name', descending: false, nullsFirst: true },
        { column: 'score', descending: false, nullsFirst: false },
        { column: 'x.desc', descending: false, nullsFirst: true },
      ],
      limit: 10,
      offset: 5,
      count: true,
      all: false,
    });
  });

  it.each([
    [{ nope: '1' }, ErrorCode.UNKNOWN_COLUMN],
    [{ age__between: '1' }, ErrorCode.UNKNOWN_OPERATOR],
    [{ _bogus: '1' }, ErrorCode.VALIDATION_FAILED],
    [{ _limit: '101' }, ErrorCode.VALIDATION_FAILED],
    [{ _limit: '1.5' }, ErrorCode.VALIDATION_FAILED],
    [{ _order: 'age.up' }, ErrorCode.UNKNOWN_COLUMN],
    [{ _order: '' }, ErrorCode.VALIDATION_FAILED],
    [{ _select: 'name,' }, ErrorCode.VALIDATION_FAILED],
    [{ age: ['1', '2'] }, ErrorCode.VALIDATION_FAILED],
    [{ age: { gt: '1' } }, ErrorCode.VALIDATION_FAILED],
    [{ _after: '' }, ErrorCode.INVALID_CURSOR],
    [{ _after: 'abc', _offset: '1' }, ErrorCode.VALIDATION_FAILED],
    [{ _all: 'true' }, ErrorCode.VALIDATION_FAILED],
  ])('refuses %j on a read with %s', (params, code) => {
    expect(codeOf(() => sut(params))).toBe(code);
  });

  it('accepts only filters and _all on a write', () => {
    expect(sut({ id: '1', _all: 'true' }, 'write')).toMatchObject({ all: true, filters: [{ column: 'id', operator: 'eq', value: 1 }] });
    for (const name of ['_limit', '_order', '_select', '_offset', '_count', '_after']) {
      expect(codeOf(() => sut({ [name]: '1' }, 'write'))).toBe(ErrorCode.VALIDATION_FAILED);
    }
  });
});
