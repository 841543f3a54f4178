import type { LitestreamEvent } from './litestream';

/** Tells the replication state what Litestream said about one database. */
export type LitestreamReport = (name: string, event: LitestreamEvent) => void;

/**
 * Where Litestream runs (port): in the gateway itself, one process for every database (embedded
 * runtime), or in each database's worker container (Docker runtime).
 */
export interface LitestreamHost {
  /** Said in readiness and the start-up log: where Litestream runs. */
  readonly where: string;
  /** Replicates exactly `databases` (name → file on the gateway's disk) from now on; called on every watch. */
  replicate(databases: Map<string, string>): Promise<void>;
  /** Stops replicating `name` until `resume`: a file swap must not meet Litestream's read transaction. */
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** Whether Litestream runs for every database it should replicate. */
  readonly running: boolean;
  close(): Promise<void>;
}
