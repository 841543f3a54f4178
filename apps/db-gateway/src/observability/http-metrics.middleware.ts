import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';
import { onResponseEnd } from './response-outcome';

/** Counts every request by route pattern (not raw path: bounded labels) once it is answered or its client went away (499). */
export function httpMetrics(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    onResponseEnd(response, ({ status }) => {
      const route = request.route ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched';
      metrics.observeHttp(request.method, route, status, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
