import type { Request } from 'express';

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(request: Request): string | undefined {
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  const apiKey = request.headers['x-api-key'];
  return bearer ?? (typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined);
}
