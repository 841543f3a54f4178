import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { ErrorCode, isPlainObject } from '@dbforge/contracts';
import { DomainError } from './domain.error';
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
    if (metadata.type === 'body' && !isPlainObject(value)) {
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'The request body must be a JSON object.');
    }
    return super.transform(value, metadata);
  }
}
