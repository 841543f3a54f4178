import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import { GatewayConfig } from '../config/gateway.config';
import { onResponseEnd, ResponseOutcome } from './response-outcome';

/** Express sets `originalUrl`; `url` loses the mount path inside routers. `id` is the request id (requestContextStart). */
type LoggedRequest = IncomingMessage & { originalUrl?: string; id?: string };

const pathOf = (request: LoggedRequest) => (request.originalUrl ?? request.url ?? '').split('?')[0];

function resOf({ status, aborted, sentStatus }: ResponseOutcome): Record<string, unknown> {
  if (!aborted) return { status };
  return sentStatus === undefined ? { status, aborted } : { status, aborted, sent_status: sentStatus };
}

/**
 * Where log lines go: stdout, written asynchronously (a write per burst of lines, not per line, and
 * never blocking a request on the terminal or the pipe); what is still buffered is flushed when the
 * process exits. `pretty` formats on a worker thread for people reading a terminal.
 */
function destinationOf(config: GatewayConfig): DestinationStream {
  if (config.logFormat === 'pretty') return pino.transport({ target: 'pino-pretty', options: { singleLine: true, colorize: true } }) as DestinationStream;
  return pino.destination({ dest: 1, sync: false });
}

/**
 * The gateway's logger and its request log: one JSON line per request, written when the response
 * finishes or its connection closes, with the request id, method, path (without its query string:
 * filter values are data, like SQL parameters), status and time. No headers, no bodies, so no key
 * or cookie is ever logged. Installed by `configureApp` ahead of the body parser, so a request is
 * logged however it ends: answered, refused by the body parser, or cut off by its client (then with
 * status 499 and `aborted: true`, even while the body parser or an upload is still reading it).
 */
export class RequestLog {
  readonly logger: Logger;

  constructor(config: GatewayConfig, destination?: DestinationStream) {
    this.logger = pino({ level: config.logLevel }, destination ?? destinationOf(config));
  }

  readonly middleware = (request: LoggedRequest, response: ServerResponse, next: () => void): void => {
    if (this.logger.isLevelEnabled('info')) {
      const startedAt = Date.now();
      onResponseEnd(response, (outcome) => {
        const path = pathOf(request);
        const line = `${request.method} ${path} ${outcome.status}${outcome.aborted ? ' (aborted by the client)' : ''}`;
        const entry: Record<string, unknown> = { req: { id: request.id, method: request.method, path }, res: resOf(outcome), responseTime: Date.now() - startedAt };
        const error = (response as ServerResponse & { locals?: { error?: { code: string; message: string } } }).locals?.error;
        // 4xx details are the caller's own input (SQL, names): only their code is logged.
        if (error) entry.error = outcome.status >= 500 ? { code: error.code, message: error.message } : { code: error.code };
        if (outcome.status >= 500) this.logger.error(entry, line);
        else this.logger.info(entry, line);
      });
    }
    next();
  };
}
