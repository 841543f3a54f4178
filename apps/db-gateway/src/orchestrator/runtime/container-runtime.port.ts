/** What a worker is doing: `running`, `exited`, `missing`, ... (Docker's words where Docker is used). */
export interface WorkerState {
  /** Container id; `null` when the runtime runs no containers. */
  id: string | null;
  state: string;
}

export interface WorkerSpec {
  database: string;
  /** The database's own directory on this host, the only one a worker may see. */
  directory: string;
}

/** Starts and stops the worker that holds a database (port; drivers: embedded, Docker). */
export abstract class ContainerRuntime {
  abstract readonly kind: 'embedded' | 'docker';
  abstract start(spec: WorkerSpec): Promise<WorkerState>;
  /** Stops and removes the worker; the data stays. */
  abstract remove(database: string, workerId: string | null): Promise<void>;
  abstract inspect(database: string, workerId: string | null): Promise<WorkerState>;
}
