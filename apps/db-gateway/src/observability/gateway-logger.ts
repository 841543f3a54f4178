import { Injectable, LoggerService } from '@nestjs/common';
import type { Level } from 'pino';
import { requestContexts } from './request-context';
import { RequestLog } from './request-log';

/**
 * Nest's logger interface over the gateway's pino logger: each message is a JSON line with its
 * `context` (the class that logged it) and, when it was logged while serving a request, that
 * request's id as `req_id`, so that it can be found beside the request's own line.
 */
@Injectable()
export class GatewayLogger implements LoggerService {
  constructor(private readonly requestLog: RequestLog) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack?, context?).
    const [stack, context] = rest.length >= 2 ? rest : typeof rest[0] === 'string' && rest[0].includes('\n    at ') ? [rest[0]] : [undefined, rest[0]];
    this.write('error', message, [context], typeof stack === 'string' ? stack : undefined);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[], stack?: string): void {
    const logger = this.requestLog.logger;
    if (!logger.isLevelEnabled(level)) return;
    const context = rest[rest.length - 1];
    const requestId = requestContexts.getStore()?.id;
    const fields: Record<string, unknown> = {};
    if (typeof context === 'string') fields.context = context;
    if (requestId) fields.req_id = requestId;
    if (stack) fields.stack = stack;
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ ...fields, ...message });
    else logger[level](fields, String(message));
  }
}
