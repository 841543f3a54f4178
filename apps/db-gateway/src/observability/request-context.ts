import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request accumulates on its way through the gateway. */
export interface RequestContext {
  id: string;
  startedAt: bigint;
  /** Milliseconds spent in SQLite on behalf of this request. */
  sqliteMs: number;
}

export const requestContexts = new AsyncLocalStorage<RequestContext>();

/** Adds SQLite time to the current request, if there is one (background work has none). */
export function addSqliteTime(ms: number): void {
  const context = requestContexts.getStore();
  if (context) context.sqliteMs += ms;
}
