import 'reflect-metadata';
import * as contracts from '@dbforge/contracts';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { passesDtoConstraints } from './validation-fast-path';
import { seededRandom } from '../../test/support/seeded-random';

/** Every DTO class of the contracts that class-validator knows. */
const dtos = Object.values(contracts).filter(
  (value): value is new () => object => typeof value === 'function' && getMetadataStorage().getTargetValidationMetadatas(value, '', false, false).length > 0,
);

/** The full path's verdict, with the options of GatewayValidationPipe. */
function fullPathAccepts(dto: new () => object, value: Record<string, unknown>): boolean {
  const instance = plainToInstance(dto, value, { enableImplicitConversion: false }) as object;
  return validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }).length === 0;
}

const CANDIDATES: unknown[] = [
  null, '', 'x', 'SELECT 1', 'users', 'bench', 'a b', '../x', 'read', 'read-write', 'rowid', 'INTEGER', 'TEXT',
  0, 1, -1, 1.5, 42, 1e308, Number.MAX_SAFE_INTEGER + 2, true, false,
  [], [1], ['a', 2, null, true], [{}], [{ a: 1 }], [[1]], {}, { a: 1 }, { name: 'Ada', age: 36 }, { a: {} }, { sql: 'SELECT 1' },
];

const random = seededRandom;

describe('passesDtoConstraints', () => {
  it('finds the contracts DTOs', () => {
    expect(dtos.length).toBeGreaterThan(15);
  });

  it.each(dtos.map((dto) => [dto.name, dto] as const))('accepts only what class-transformer and class-validator accept: %s', (_name, dto) => {
    const properties = [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false).map((metadata) => metadata.propertyName))];
    const next = random(properties.length * 7919 + dto.name.length);
    const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
    const unsound: unknown[] = [];
    for (let i = 0; i < 400; i++) {
      const value: Record<string, unknown> = {};
      for (const property of properties) if (next() < 0.75) value[property] = pick(CANDIDATES);
      if (next() < 0.1) value[pick(['extra', 'constructor', 'toString'])] = pick(CANDIDATES);
      if (passesDtoConstraints(dto, value) && !fullPathAccepts(dto, value)) unsound.push(value);
    }
    expect(unsound).toEqual([]);
  });

  it.each<[string, new () => object, Record<string, unknown>]>([
    ['a query', contracts.QueryRequestDto, { sql: 'SELECT * FROM items WHERE id = ?', params: [42] }],
    ['a query with named params', contracts.QueryRequestDto, { sql: 'SELECT :a', params: { a: 'x' } }],
    ['a query without params', contracts.QueryRequestDto, { sql: 'SELECT 1' }],
    ['an insert of rows', contracts.InsertRowsRequestDto, { rows: [{ name: 'x', qty: 1 }] }],
    ['a database name in the path', contracts.DatabaseNameParamsDto, { db_name: 'bench' }],
    ['a table in the path', contracts.TableParamsDto, { db_name: 'bench', table_name: 'items' }],
  ])('takes the fast path for %s, and the full path agrees', (_label, dto, value) => {
    expect(passesDtoConstraints(dto, value)).toBe(true);
    expect(fullPathAccepts(dto, value)).toBe(true);
  });

  it.each<[string, new () => object, Record<string, unknown>]>([
    ['a missing sql', contracts.QueryRequestDto, { params: [1] }],
    ['an empty sql', contracts.QueryRequestDto, { sql: '' }],
    ['a number as sql', contracts.QueryRequestDto, { sql: 5 }],
    ['an unknown field', contracts.QueryRequestDto, { sql: 'SELECT 1', extra: 1 }],
    ['params holding an object', contracts.QueryRequestDto, { sql: 'SELECT ?', params: [{}] }],
    ['an upsert (a nested DTO: always the full path)', contracts.InsertRowsRequestDto, { rows: [{ a: 1 }], on_conflict: { columns: ['a'] } }],
    ['a bad database name', contracts.DatabaseNameParamsDto, { db_name: '../x' }],
  ])('leaves %s to the full path', (_label, dto, value) => {
    expect(passesDtoConstraints(dto, value)).toBe(false);
  });
});
