import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { RequestContext, requestContexts } from './request-context';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * First middleware of every request (before the body parser, so its errors carry these headers too):
 * takes the caller's `X-Request-Id` when it is sane or makes one, echoes it, and adds `Server-Timing`
 * (`sqlite` and `total`) just before the headers go out.
 */
export function requestContextStart(request: Request, response: Response, next: NextFunction): void {
  const given = request.headers['x-request-id'];
  const context: RequestContext = {
    id: typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID(),
    startedAt: process.hrtime.bigint(),
    sqliteMs: 0,
  };
  response.locals.requestContext = context;
  (request as Request & { id?: string }).id = context.id;
  response.setHeader('X-Request-Id', context.id);
  const writeHead = response.writeHead;
  response.writeHead = function (this: Response, ...args: unknown[]) {
    if (!this.headersSent) {
      const total = Number(process.hrtime.bigint() - context.startedAt) / 1e6;
      this.setHeader('Server-Timing', `sqlite;dur=${context.sqliteMs.toFixed(2)};desc="SQLite", total;dur=${total.toFixed(2)}`);
    }
    return (writeHead as (...a: unknown[]) => Response).apply(this, args);
  } as Response['writeHead'];
  requestContexts.run(context, next);
}

/**
 * Re-enters the request's context for Nest's handlers: the body parser's stream callbacks may run
 * outside it, so the store is taken again from `res.locals` right before routing.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(_request: Request, response: Response, next: NextFunction): void {
    const context = response.locals.requestContext as RequestContext | undefined;
    if (context) requestContexts.run(context, next);
    else next();
  }
}
