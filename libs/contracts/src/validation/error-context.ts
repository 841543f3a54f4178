import { ErrorCode } from '../errors/error-code.enum';

/**
 * class-validator `context` that tells the gateway which error code a failed rule maps to;
 * rules without it report `VALIDATION_FAILED`.
 */
export interface ValidationErrorContext {
  errorCode: ErrorCode;
}

export const invalidDatabaseName: { context: ValidationErrorContext } = {
  context: { errorCode: ErrorCode.INVALID_DATABASE_NAME },
};

export const invalidIdentifier: { context: ValidationErrorContext } = {
  context: { errorCode: ErrorCode.INVALID_IDENTIFIER },
};
