export type DatabaseStatus = 'active' | 'pruned';

/** What the gateway remembers about one database, across restarts. */
export interface CatalogEntry {
  name: string;
  status: DatabaseStatus;
  /** ISO 8601 time of the first spawn. */
  createdAt: string;
  /** ISO 8601 time of the last spawn or prune. */
  updatedAt: string;
  /** Container id of the worker, `null` on the embedded runtime or when pruned. */
  workerId: string | null;
  /** The runtime that started the worker (`embedded`, `docker`). */
  runtime: string;
}
