import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config';
import { SqlWorkEvents } from '../data-plane/sql-work.events';
import { requestContexts } from './request-context';

/** Logs statements slower than DBFORGE_SLOW_STATEMENT_MS with their SQL (never their parameters). */
@Injectable()
export class SlowStatementLog implements OnModuleInit {
  private readonly logger = new Logger('SlowStatement');

  constructor(
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
  ) {}

  onModuleInit(): void {
    const threshold = this.config.slowStatementMs;
    if (threshold <= 0) return;
    this.events.subscribe((event) => {
      if (event.durationMs < threshold) return;
      this.logger.warn({
        msg: 'slow statement',
        request_id: requestContexts.getStore()?.id,
        database: event.database,
        kind: event.kind,
        duration_ms: Math.round(event.durationMs),
        failed: event.failed,
        sql: event.sql,
      });
    });
  }
}
