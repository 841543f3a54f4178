import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';

const DRAIN_TIMEOUT_MS = 15_000;

/**
 * On shutdown, stop accepting connections and let in-flight requests finish before the pools close
 * (Nest closes the HTTP server only after the shutdown hooks, so without this a request arriving
 * during shutdown would find its pool closed).
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HttpDrain.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(`Requests still running after ${DRAIN_TIMEOUT_MS} ms; closing their connections.`);
        server.closeAllConnections();
        resolve();
      }, DRAIN_TIMEOUT_MS);
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
