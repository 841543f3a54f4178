import { Injectable } from '@nestjs/common';
import { ContainerRuntime, WorkerState } from './container-runtime.port';

/**
 * No containers: the gateway itself holds every database, so a database is `running` as long as
 * it is active. For machines without Docker, and the default when no engine answers.
 */
@Injectable()
export class EmbeddedRuntime extends ContainerRuntime {
  readonly kind = 'embedded' as const;

  start(): Promise<WorkerState> {
    return Promise.resolve({ id: null, state: 'running' });
  }

  remove(): Promise<void> {
    return Promise.resolve();
  }

  inspect(): Promise<WorkerState> {
    return Promise.resolve({ id: null, state: 'running' });
  }
}
