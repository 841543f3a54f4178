import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { ErrorCode, isPlainObject } from '@dbforge/contracts';
import { DomainError } from './domain.error';
import { passesDtoConstraints } from './validation-fast-path';
import { validationExceptionFactory } from './validation-exception.factory';

/**
 * The global ValidationPipe: DTOs are transformed and whitelisted, unknown fields are refused,
 * nothing is coerced ("5" stays a string), and a body must be a JSON object.
 */
@Injectable()
export class GatewayValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: validationExceptionFactory,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return this.accepted(value, metadata) ?? super.transform(value, metadata);
    if (!isPlainObject(value)) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'The request body must be a JSON object.');
    checkShape(value);
    const accepted = this.accepted(value, metadata);
    if (accepted) return accepted;
    // Rows, params and `set` are user data keyed by column or parameter names; class-transformer
    // mishandles some of those names (see standIn), so it validates a stand-in and the DTO gets the
    // data as sent.
    const dto = (await super.transform(standIn(value), metadata)) as Record<string, unknown>;
    for (const field of RAW_FIELDS) if (field in value) dto[field] = value[field];
    // Transactions carry params per statement.
    if (Array.isArray(value.statements) && Array.isArray(dto.statements)) {
      value.statements.forEach((raw: unknown, index: number) => {
        const target = (dto.statements as Record<string, unknown>[])[index];
        if (isPlainObject(raw) && target && 'params' in raw) target.params = raw.params;
      });
    }
    return dto;
  }

  /**
   * The DTO for a value its constraints plainly accept, without the trip through class-transformer
   * and class-validator (see passesDtoConstraints); undefined when the full path must decide.
   */
  private accepted(value: unknown, { metatype }: ArgumentMetadata): object | undefined {
    // Express keeps path parameters in an object without a prototype; its keys are as plain as a body's.
    const plain = isPlainObject(value) ? value : typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null ? { ...value } : undefined;
    if (!metatype || !plain || !passesDtoConstraints(metatype, plain)) return undefined;
    return Object.assign(new (metatype as new () => object)(), plain);
  }

  /**
   * Nest deletes `constructor` and `prototype` keys everywhere in a body, which would silently drop
   * real columns and parameters of those names. `checkShape` already refuses `__proto__`, the one key
   * that is dangerous here (row and parameter objects are never class-transformed: see the DTOs).
   */
  protected override stripProtoKeys(): void {}
}

const MAX_DEPTH = 32;
const RAW_FIELDS = ['rows', 'params', 'set'];

/**
 * The body class-transformer gets. It skips a key an object already has through its prototype
 * (`constructor`, `toString`, `valueOf`, ...), so a value under such a key would never be validated.
 * Inside user data (rows, params, `set`: keyed by column or parameter names) such keys are renamed,
 * so their values are validated (same values, same verdict) and the DTO then gets the data as sent;
 * anywhere else they are refused, as any other unknown property is.
 */
function standIn(value: unknown, data = false): unknown {
  if (Array.isArray(value)) return value.map((item) => standIn(item, data));
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key in Object.prototype) {
        if (!data) throw new DomainError(ErrorCode.VALIDATION_FAILED, `property ${key} should not exist`);
        return [`(${key})`, standIn(item, data)];
      }
      return [key, standIn(item, data || RAW_FIELDS.includes(key))];
    }),
  );
}

/**
 * Walks the body without recursion before class-transformer does (it recurses, and a body nested
 * thousands deep would overflow its stack): refuses deep nesting and `__proto__` keys (assigning one would swap an object's prototype).
 */
function checkShape(body: object): void {
  const pending: [unknown, number][] = [[body, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_DEPTH) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, `The request body is nested more than ${MAX_DEPTH} levels deep.`);
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__') throw new DomainError(ErrorCode.VALIDATION_FAILED, `property ${key} is not allowed`);
      pending.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
}
