import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Counts every response by route pattern (not raw path: bounded labels) once it has been sent. */
export function httpMetrics(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const route = request.route ? `${request.baseUrl}${String(request.route.path)}` : 'unmatched';
      metrics.observeHttp(request.method, route, response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
