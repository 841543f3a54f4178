import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import type { UploadSource } from '../backup/upload-source';

/** The request body as an unread stream plus its headers (the JSON parser leaves other media types alone). */
export const RawUpload = createParamDecorator((_data: unknown, context: ExecutionContext): UploadSource => {
  const request = context.switchToHttp().getRequest<Request>();
  const length = Number(request.headers['content-length'] ?? 0);
  return {
    contentType: request.headers['content-type'] ?? '',
    contentEncoding: request.headers['content-encoding'] ?? '',
    hasBody: length > 0 || request.headers['transfer-encoding'] !== undefined,
    stream: request,
  };
});
