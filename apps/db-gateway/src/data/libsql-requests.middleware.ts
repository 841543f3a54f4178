import type { NextFunction, Request, Response } from 'express';
import { ApiKeysService } from '../auth/api-keys.service';

/** Marks a response whose errors go out as Hrana errors (`{message, code}`, read by libSQL clients). */
export const HRANA_ERRORS = 'hrana';

const isBarePath = (path: string) => path === '/v2' || path.startsWith('/v2/') || path.startsWith('/v3');

/**
 * The libSQL paths, ahead of routing. `createClient({ url: 'http://host:port', authToken })` posts to
 * `/v2/pipeline` with no database in the URL: a database key names its own, so such a request is
 * routed as `/libsql/<its database>/v2/pipeline`. Every libSQL path gets Hrana-shaped errors.
 */
export function libsqlRequests(keys: ApiKeysService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const path = request.path.toLowerCase(); // Express matches routes regardless of case
    if (path.startsWith('/libsql/')) {
      response.locals.errorShape = HRANA_ERRORS;
    } else if (isBarePath(path)) {
      response.locals.errorShape = HRANA_ERRORS;
      const principal = keys.identifyRequest(request);
      if (principal?.kind === 'database') request.url = `/libsql/${encodeURIComponent(principal.key.database)}${request.url}`;
    }
    next();
  };
}
