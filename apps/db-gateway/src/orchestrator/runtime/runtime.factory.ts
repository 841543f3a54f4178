import { Logger } from '@nestjs/common';
import { assertUnreachable } from '../../common/assert-unreachable';
import { GatewayConfig } from '../../config/gateway.config';
import { ContainerRuntime } from './container-runtime.port';
import { DockerRuntime, WORKER_IMAGE_HINT } from './docker.runtime';
import { EmbeddedRuntime } from './embedded.runtime';

/**
 * Picks the runtime from DBFORGE_RUNTIME: `embedded`, `docker` (even if the engine is down at boot:
 * readiness reports it and admin calls answer 503 until it answers), or `auto`, which asks the engine
 * once (and for the worker image) and falls back to embedded. The runtime says why it was chosen
 * (`chosenBecause`), which the start-up summary shows.
 */
export async function createContainerRuntime(config: GatewayConfig): Promise<ContainerRuntime> {
  const chosen = (runtime: ContainerRuntime, because: string): ContainerRuntime => {
    runtime.chosenBecause = because;
    new Logger('ContainerRuntime').debug(`Runtime: ${runtime.kind} (${because}).`);
    return runtime;
  };
  switch (config.runtime) {
    case 'embedded':
      return chosen(new EmbeddedRuntime(), 'DBFORGE_RUNTIME=embedded; databases are held by the gateway, no containers');
    case 'docker': {
      const docker = new DockerRuntime(config);
      const health = await docker.engineHealth();
      if (health.up && !(await docker.hasWorkerImage())) {
        return chosen(docker, `DBFORGE_RUNTIME=docker, engine at ${config.dockerSocket}; the worker image ${config.workerImage} is MISSING, so spawns fail until it exists: ${WORKER_IMAGE_HINT}`);
      }
      if (!health.up) return chosen(docker, `DBFORGE_RUNTIME=docker, but no engine answered at ${config.dockerSocket} (${health.detail}); spawns answer 503 until it does`);
      return chosen(docker, `DBFORGE_RUNTIME=docker, engine at ${config.dockerSocket}, worker image ${config.workerImage}`);
    }
    case 'auto': {
      const docker = new DockerRuntime(config);
      const health = await docker.engineHealth();
      if (health.up && !(await docker.hasWorkerImage())) {
        return chosen(new EmbeddedRuntime(), `DBFORGE_RUNTIME=auto; a Docker engine answered but has no worker image ${config.workerImage}: ${WORKER_IMAGE_HINT}`);
      }
      if (health.up) return chosen(docker, `DBFORGE_RUNTIME=auto; ${health.detail} answered, worker image ${config.workerImage}`);
      return chosen(new EmbeddedRuntime(), `DBFORGE_RUNTIME=auto; no Docker engine answered: ${health.detail}`);
    }
    default:
      return assertUnreachable(config.runtime);
  }
}
