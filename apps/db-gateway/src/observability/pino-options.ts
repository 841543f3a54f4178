import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params } from 'nestjs-pino';
import { GatewayConfig } from '../config/gateway.config';

/**
 * One JSON line per request with its request id; keys and cookies redacted; no bodies, and paths
 * without their query strings (filter values are data, like SQL parameters, and are not logged).
 */
export function pinoOptions(config: GatewayConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id?: string }).id ?? randomUUID(),
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({ id: request.id, method: request.method, path: request.url.split('?')[0] }),
        res: (response: { statusCode: number }) => ({ status: response.statusCode }),
      },
      customSuccessMessage: (request, response) => `${request.method} ${(request.url ?? '').split('?')[0]} ${response.statusCode}`,
      customErrorMessage: (request, response) => `${request.method} ${(request.url ?? '').split('?')[0]} ${response.statusCode}`,
      transport: config.logFormat === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true, colorize: true } } : undefined,
    },
  };
}
