import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { Affinity, RowsQuery, TableShape } from './rows-query';
import { buildRowsCount, buildRowsDelete, buildRowsSelect, buildRowsUpdate, pageOf } from './rows-sql';

const table: TableShape = {
  name: 'people',
  columns: new Map<string, Affinity>([
    ['id', 'INTEGER'],
    ['name', 'TEXT'],
    ['age', 'INTEGER'],
  ]),
  rowKey: ['rowid'],
};
const query = (overrides: Partial<RowsQuery> = {}): RowsQuery => ({ filters: [], order: [], count: false, all: false, ...overrides });
const codeOf = (work: () => unknown): ErrorCode | undefined => {
  try {
    work();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('buildRowsSelect', () => {
  it('binds every value, orders by the keys then the row key, and fetches one row more than the page', () => {
    const sut = buildRowsSelect(
      table,
      query({
        filters: [
          { column: 'age', operator: 'gt', value: 9 },
          { column: 'name', operator: 'in', values: ["O'Neil", 'x'] },
          { column: 'name', operator: 'isnull', isNull: false },
        ],
        select: ['name'],
        order: [{ column: 'age', descending: true, nullsFirst: true }],
        limit: 10,
        offset: 20,
      }),
      100,
    );
    expect(sut.sql).toBe(
      'SELECT "name", "age" AS "__dbforge_key_0", rowid AS "__dbforge_key_1" FROM "people" WHERE "age" > ? AND "name" IN (?, ?) AND "name" IS NOT NULL ORDER BY "age" DESC NULLS FIRST, rowid LIMIT ? OFFSET ?',
    );
    expect(sut.bindings).toEqual([9, "O'Neil", 'x', 11, 20]);
  });

  it('continues after a cursor with a keyset condition, and refuses a cursor for another order', () => {
    const ordered = query({ order: [{ column: 'age', descending: false, nullsFirst: true }], limit: 1 });
    const first = buildRowsSelect(table, ordered, 100);
    const page = pageOf(first, table, ordered, [
      { id: 1, name: 'a', age: 30, __dbforge_key_0: 30, __dbforge_key_1: 1 },
      { id: 2, name: 'b', age: 31, __dbforge_key_0: 31, __dbforge_key_1: 2 },
    ], 1 << 30);
    expect(page).toEqual({ rows: [{ id: 1, name: 'a', age: 30 }], more: true, nextCursor: expect.any(String) });
    const sut = buildRowsSelect(table, { ...ordered, after: page.nextCursor }, 100);
    expect(sut.sql).toContain('WHERE (("age" > ?) OR ("age" IS ? AND rowid > ?)) ORDER BY "age", rowid');
    expect(sut.bindings).toEqual([30, 30, 1, 2, 0]);
    const other = query({ order: [{ column: 'name', descending: false, nullsFirst: true }], after: page.nextCursor });
    expect(codeOf(() => buildRowsSelect(table, other, 100))).toBe(ErrorCode.INVALID_CURSOR);
  });

  it('handles NULL cursor values: past NULL come the values when NULLs sort first, nothing more when last', () => {
    const order = [{ column: 'age', descending: true, nullsFirst: false }];
    const page = pageOf(buildRowsSelect(table, query({ order, limit: 1 }), 100), table, query({ order }), [
      { id: 1, __dbforge_key_0: null, __dbforge_key_1: 1 },
      { id: 2, __dbforge_key_0: null, __dbforge_key_1: 2 },
    ], 1 << 30);
    const sut = buildRowsSelect(table, query({ order, after: page.nextCursor }), 100);
    expect(sut.sql).toContain('WHERE (("age" IS ? AND rowid > ?))');
  });

  it('offers no cursor for a view (no row key) and refuses _after there', () => {
    const view: TableShape = { ...table, rowKey: [] };
    const sut = buildRowsSelect(view, query({ limit: 1 }), 100);
    expect(sut.sql).toBe('SELECT * FROM "people" LIMIT ? OFFSET ?');
    expect(pageOf(sut, view, query(), [{ id: 1 }, { id: 2 }], 1 << 30)).toEqual({ rows: [{ id: 1 }], more: true, nextCursor: undefined });
    expect(codeOf(() => buildRowsSelect(view, query({ after: 'abc' }), 100))).toBe(ErrorCode.INVALID_CURSOR);
  });

  it.each(['not base64!', Buffer.from('not json').toString('base64url'), Buffer.from('{"v":1,"s":"x","k":[{"no":1}]}').toString('base64url')])(
    'refuses the garbage cursor %j with INVALID_CURSOR',
    (after) => {
      expect(codeOf(() => buildRowsSelect(table, query({ after }), 100))).toBe(ErrorCode.INVALID_CURSOR);
    },
  );
});

describe('writes', () => {
  it('builds a bound UPDATE, DELETE and count', () => {
    const filtered = query({ filters: [{ column: 'age', operator: 'lte', value: 3 }] });
    expect(buildRowsUpdate(table, filtered, { name: 'x', age: true })).toEqual({ sql: 'UPDATE "people" SET "name" = ?, "age" = ? WHERE "age" <= ?', bindings: ['x', 1, 3] });
    expect(buildRowsDelete(table, filtered)).toEqual({ sql: 'DELETE FROM "people" WHERE "age" <= ?', bindings: [3] });
    expect(buildRowsCount(table, filtered)).toEqual({ sql: 'SELECT count(*) AS matched FROM "people" WHERE "age" <= ?', bindings: [3] });
  });

  it('refuses unfiltered writes unless all is set, and unknown or no columns to set', () => {
    expect(codeOf(() => buildRowsDelete(table, query()))).toBe(ErrorCode.UNFILTERED_WRITE);
    expect(codeOf(() => buildRowsUpdate(table, query(), { name: 'x' }))).toBe(ErrorCode.UNFILTERED_WRITE);
    expect(buildRowsDelete(table, query({ all: true })).sql).toBe('DELETE FROM "people"');
    expect(codeOf(() => buildRowsUpdate(table, query({ all: true }), { nope: 1 }))).toBe(ErrorCode.UNKNOWN_COLUMN);
    expect(codeOf(() => buildRowsUpdate(table, query({ all: true }), {}))).toBe(ErrorCode.VALIDATION_FAILED);
  });
});
