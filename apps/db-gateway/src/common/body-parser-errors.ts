import { ErrorCode } from '@dbforge/contracts';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from './domain.error';

/** Errors from Express' body parser carry a `type` such as `entity.parse.failed`. */
interface BodyParserError {
  type: string;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && typeof (error as BodyParserError).type === 'string';
}

function translate(error: BodyParserError): DomainError {
  switch (error.type) {
    case 'entity.parse.failed':
      return new DomainError(ErrorCode.MALFORMED_JSON, `Malformed JSON body: ${error.message}`);
    case 'entity.too.large':
      return new DomainError(ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is larger than the configured limit (DBFORGE_MAX_BODY_BYTES).');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `Unsupported body encoding: ${error.message}`);
    default:
      return new DomainError(ErrorCode.VALIDATION_FAILED, `Unreadable request body: ${error.message}`);
  }
}

/**
 * Express error middleware placed right after the body parser: gives its failures their own codes
 * before Nest would fold them into a generic 400.
 */
export function bodyParserErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  if (isBodyParserError(error)) return next(translate(error));
  // zlib's errors (a corrupt gzip or deflate body) carry a Z_ code and no type.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__') || code === 'ERR_BROTLI_DECOMPRESSION_FAILED')) {
    return next(new DomainError(ErrorCode.MALFORMED_JSON, `The body could not be decompressed (${code}).`));
  }
  next(error);
}
