import { TransformationType } from 'class-transformer';
import type { MetadataStorage as TransformMetadataStorage } from 'class-transformer/types/MetadataStorage';
import { ValidationArguments, ValidationTypes, getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/** Whether every property of a plain object passes its constraints, evaluated as class-validator does. */
type Check = (object: Record<string, unknown>) => boolean;

interface PropertyRule {
  name: string;
  /** `@IsOptional()` / `@ValidateIf()`: when one is false, the property's other constraints are skipped. */
  conditions: ((object: object, value: unknown) => boolean)[];
  constraints: ((object: object, value: unknown) => boolean)[];
  /** class-transformer would not copy it as it is (`@Type`, `@Transform`, ...): present, it needs the full path. */
  transformed: boolean;
}

// class-transformer keeps its decorators' metadata here; it exports the store only from this file.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformMetadataStorage };

const compiled = new WeakMap<Function, Check | null>();

/**
 * A fast way to a verdict class-validator would give: `true` only when the DTO's own constraints,
 * run the way class-validator runs them (the same constraint instances, conditions and whitelist),
 * all pass on `value`, and when class-transformer would copy `value` as it is. Anything else, and
 * every failure, answers `false`, and the caller takes the full path (class-transformer, then
 * class-validator), which words the error. So the fast path can accept only what the full path
 * accepts; it never refuses anything itself.
 *
 * A nested DTO or a transformed property takes the full path whenever it is present; DTOs with
 * constructs this does not evaluate (`each`, async constraints, class-level transform strategies)
 * have no fast path at all.
 */
export function passesDtoConstraints(metatype: Function, value: Record<string, unknown>): boolean {
  let check = compiled.get(metatype);
  if (check === undefined) {
    check = compile(metatype);
    compiled.set(metatype, check);
  }
  return check !== null && check(value);
}

function compile(metatype: Function): Check | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(metatype, '', false, false);
  if (metadatas.length === 0 || defaultMetadataStorage.getStrategy(metatype) !== 'none') return null;
  const rules = new Map<string, PropertyRule>();
  for (const metadata of metadatas) {
    const name = metadata.propertyName;
    let rule = rules.get(name);
    if (!rule) rules.set(name, (rule = { name, conditions: [], constraints: [], transformed: hasTransformMetadata(metatype, name) }));
    switch (metadata.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        rule.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.NESTED_VALIDATION:
        // A nested DTO is left to the full path whenever it is validated (present, or not optional).
        rule.constraints.push(() => false);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION: {
        const constraint = constraintOf(metatype, metadata);
        if (!constraint) return null;
        rule.constraints.push(constraint);
        break;
      }
      default:
        return null;
    }
  }
  const known = new Set(rules.keys());
  const properties = [...rules.values()];
  return (object) => {
    for (const key in object) if (!known.has(key)) return false; // forbidNonWhitelisted words this one
    for (const rule of properties) {
      const value = object[rule.name];
      if (rule.transformed && value !== undefined) return false;
      if (!rule.conditions.every((condition) => condition(object, value))) continue;
      if (!rule.constraints.every((constraint) => constraint(object, value))) return false;
    }
    return true;
  };
}

function hasTransformMetadata(metatype: Function, property: string): boolean {
  return (
    defaultMetadataStorage.findTypeMetadata(metatype, property) !== undefined ||
    defaultMetadataStorage.findTransformMetadatas(metatype, property, TransformationType.PLAIN_TO_CLASS).length > 0 ||
    defaultMetadataStorage.findExposeMetadata(metatype, property) !== undefined ||
    defaultMetadataStorage.findExcludeMetadata(metatype, property) !== undefined
  );
}

/** The metadata's constraint as class-validator evaluates it (`validateIf`, then each registered validator, synchronously). */
function constraintOf(metatype: Function, metadata: ValidationMetadata): ((object: object, value: unknown) => boolean) | undefined {
  if (metadata.each) return undefined;
  const validators = getMetadataStorage().getTargetValidatorConstraints(metadata.constraintCls);
  if (validators.length === 0 || validators.some((validator) => validator.async)) return undefined;
  return (object, value) => {
    if (metadata.validateIf && !metadata.validateIf(object, value)) return true;
    const args: ValidationArguments = { targetName: metatype.name, property: metadata.propertyName, object, value, constraints: metadata.constraints };
    return validators.every((validator) => validator.instance.validate(value, args) === true);
  };
}
