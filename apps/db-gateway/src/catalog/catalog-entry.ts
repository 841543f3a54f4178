import { randomBytes } from 'node:crypto';

export type DatabaseStatus = 'active' | 'pruned';

/** What the gateway remembers about one database, across restarts. */
export interface CatalogEntry {
  /**
   * Who this database is, as opposed to what it is called: random at the first spawn, kept through
   * prune, respawn, delete and undelete; a new database of the same name gets a new one. Keys are
   * minted for it, so they die with their database.
   */
  id: string;
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

/** A new database identity. */
export function newDatabaseId(): string {
  return `db_${randomBytes(12).toString('hex')}`;
}
