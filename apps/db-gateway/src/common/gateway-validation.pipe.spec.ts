import 'reflect-metadata';
import { DatabaseNameParamsDto, QueryRequestDto } from '@dbforge/contracts';
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
});
