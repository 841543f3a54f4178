import { ErrorCode, ValidationErrorContext } from '@dbforge/contracts';
import type { ValidationError } from 'class-validator';
import { DomainError } from './domain.error';

function flatten(errors: ValidationError[], parent = ''): { path: string; messages: string[]; codes: ErrorCode[] }[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints
      ? [
          {
            path,
            messages: Object.values(error.constraints).map((text) => (parent ? `${parent}.${text}` : text)),
            codes: Object.values((error.contexts ?? {}) as Record<string, Partial<ValidationErrorContext>>)
              .map((context) => context.errorCode)
              .filter((code): code is ErrorCode => code !== undefined),
          },
        ]
      : [];
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * Builds the domain error for a failed DTO: every message, each naming its field,
 * and the error code of the first rule that asks for a specific one.
 */
export function validationExceptionFactory(errors: ValidationError[]): DomainError {
  const failures = flatten(errors);
  const code = failures.flatMap((failure) => failure.codes)[0] ?? ErrorCode.VALIDATION_FAILED;
  const message = failures.flatMap((failure) => failure.messages).join('; ') || 'Invalid request.';
  return new DomainError(code, message);
}
