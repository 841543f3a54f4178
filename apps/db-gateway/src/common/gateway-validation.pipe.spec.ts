import 'reflect-metadata';
import { DatabaseNameParamsDto, InsertRowsRequestDto, QueryRequestDto, UpdateRowsRequestDto } from '@dbforge/contracts';
import { GatewayValidationPipe } from './gateway-validation.pipe';
import { DomainError } from './domain.error';

describe('GatewayValidationPipe', () => {
  const pipe = new GatewayValidationPipe();

  it('turns path parameters (an object without a prototype, as Express makes them) into their DTO', async () => {
    const params = Object.assign(Object.create(null) as object, { db_name: 'bench' });
    const dto = await pipe.transform(params, { type: 'param', metatype: DatabaseNameParamsDto });
    expect(dto).toBeInstanceOf(DatabaseNameParamsDto);
    expect(dto).toEqual({ db_name: 'bench' });
  });

  it('refuses bad path parameters with the full path message', async () => {
    const params = Object.assign(Object.create(null) as object, { db_name: '../x' });
    const refusal = await pipe.transform(params, { type: 'param', metatype: DatabaseNameParamsDto }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe('INVALID_DATABASE_NAME');
  });

  it('gives a body its DTO with params exactly as sent, fast path or not', async () => {
    for (const body of [{ sql: 'SELECT ?', params: [1] }, { sql: 'SELECT :constructor', params: { constructor: 'x' } }]) {
      const dto = (await pipe.transform(body, { type: 'body', metatype: QueryRequestDto })) as QueryRequestDto;
      expect(dto).toBeInstanceOf(QueryRequestDto);
      expect(dto.params).toEqual(body.params);
    }
  });

  it.each([[{ sql: '' }, 'sql should not be empty'], [{ sql: 'SELECT 1', extra: 1 }, 'property extra should not exist']])('refuses %j: %s', async (body, message) => {
    const refusal = await pipe.transform(body, { type: 'body', metatype: QueryRequestDto }).catch((error: unknown) => error);
    expect((refusal as DomainError).message).toContain(message);
  });

  it.each<[string, new () => object, Record<string, unknown>, string]>([
    ['rows (fast path)', InsertRowsRequestDto, { rows: [{ toString: 'x', constructor: 'y', valueOf: 1 }] }, 'rows'],
    ['rows with an upsert (full path)', InsertRowsRequestDto, { rows: [{ toString: 'x', hasOwnProperty: null }], on_conflict: { columns: ['toString'], action: 'update' } }, 'rows'],
    ['set', UpdateRowsRequestDto, { set: { valueOf: 2, constructor: 'c' } }, 'set'],
    ['params', QueryRequestDto, { sql: 'SELECT :toString', params: { toString: 'x' } }, 'params'],
  ])('keeps columns and parameters named like Object.prototype members in %s, as sent', async (_label, metatype, body, field) => {
    const dto = (await pipe.transform(JSON.parse(JSON.stringify(body)), { type: 'body', metatype })) as Record<string, unknown>;
    expect(dto[field]).toEqual(body[field]);
  });
});
