/** Resource limits applied to a worker. */
export interface WorkerLimits {
  memoryBytes: number;
  nanoCpus: number;
  pids: number;
}

/** What the runtime knows of one database's worker. */
export interface WorkerInfo {
  database: string;
  /** Container id; `null` when the runtime runs no containers or the worker is missing. */
  id: string | null;
  /** `running`, `exited`, `created`, `restarting`, `paused`, `dead` (Docker's words) or `missing`. */
  state: string;
  image: string | null;
  /** ISO 8601 time the worker last started, when known. */
  startedAt: string | null;
  limits: WorkerLimits | null;
}

export interface RuntimeHealth {
  up: boolean;
  detail: string;
}

/** Starts, inspects and removes the worker that holds each database (port; drivers: embedded, Docker). */
export abstract class ContainerRuntime {
  abstract readonly kind: 'embedded' | 'docker';
  /** Why this runtime serves (which setting, what the engine answered): for the start-up summary. */
  chosenBecause = '';
  /** Starts the database's worker, creating it if needed; a worker that already exists is reused. */
  abstract start(database: string): Promise<WorkerInfo>;
  /** Stops and removes the worker; the data stays. Removing a missing worker succeeds. */
  abstract remove(database: string): Promise<void>;
  /** The worker's current state (`missing` when there is none). */
  abstract inspect(database: string): Promise<WorkerInfo>;
  /** Every worker this runtime manages, whatever its database's state. */
  abstract list(): Promise<WorkerInfo[]>;
  abstract health(): Promise<RuntimeHealth>;
  /** Calls `onChange(database)` when a worker dies or disappears; returns a function that stops watching. */
  abstract watch(onChange: (database: string) => void): () => void;
}
