import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { HttpLogger, Options, pinoHttp } from 'pino-http';
import { GatewayConfig } from '../config/gateway.config';
import { responseOutcome } from './response-outcome';

/** Express sets `originalUrl`; `url` loses the mount path inside routers. `id` is the request id (requestContextStart). */
type LoggedRequest = IncomingMessage & { originalUrl?: string };

const pathOf = (request: LoggedRequest) => (request.originalUrl ?? request.url ?? '').split('?')[0];

function lineOf(request: LoggedRequest, response: ServerResponse): string {
  const { status, aborted } = responseOutcome(response);
  return `${request.method} ${pathOf(request)} ${status}${aborted ? ' (aborted by the client)' : ''}`;
}

/**
 * The request log: one JSON line per request with its request id; keys and cookies redacted; no
 * bodies, and paths without their query strings (filter values are data, like SQL parameters, and
 * are not logged). Installed by `configureApp` ahead of the body parser, so a request is logged
 * however it ends: answered, refused by the body parser, or cut off by its client (then with status
 * 499 and `aborted: true`, even while the body parser or an upload is still reading it).
 */
export class RequestLog {
  readonly middleware: HttpLogger;

  constructor(config: GatewayConfig, destination?: DestinationStream) {
    const options: Options = {
      level: config.logLevel,
      genReqId: (request: LoggedRequest) => request.id ?? randomUUID(),
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
      // The raw request and response: the outcome needs to know whether the response finished.
      wrapSerializers: false,
      serializers: {
        req: (request: LoggedRequest) => ({ id: request.id, method: request.method, path: pathOf(request) }),
        res: (response: ServerResponse) => {
          const { status, aborted, sentStatus } = responseOutcome(response);
          if (!aborted) return { status };
          return sentStatus === undefined ? { status, aborted } : { status, aborted, sent_status: sentStatus };
        },
      },
      customSuccessMessage: lineOf,
      customErrorMessage: lineOf,
      transport: config.logFormat === 'pretty' && !destination ? { target: 'pino-pretty', options: { singleLine: true, colorize: true } } : undefined,
    };
    this.middleware = destination ? pinoHttp(options, destination) : pinoHttp(options);
  }

  get logger(): HttpLogger['logger'] {
    return this.middleware.logger;
  }
}
