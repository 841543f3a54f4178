import { Logger } from '@nestjs/common';
import { assertUnreachable } from '../../common/assert-unreachable';
import { GatewayConfig } from '../../config/gateway.config';
import { ContainerRuntime } from './container-runtime.port';
import { DockerRuntime } from './docker.runtime';
import { EmbeddedRuntime } from './embedded.runtime';

/**
 * Picks the runtime from DBFORGE_RUNTIME: `embedded`, `docker` (even if the engine is down at boot:
 * readiness reports it and admin calls answer 503 until it answers), or `auto`, which asks the engine
 * once (and for the worker image) and falls back to embedded, saying which it chose.
 */
export async function createContainerRuntime(config: GatewayConfig): Promise<ContainerRuntime> {
  const logger = new Logger('ContainerRuntime');
  switch (config.runtime) {
    case 'embedded':
      logger.log('Runtime: embedded (DBFORGE_RUNTIME=embedded); databases are held by the gateway, no containers.');
      return new EmbeddedRuntime();
    case 'docker':
      logger.log(`Runtime: docker (DBFORGE_RUNTIME=docker) at ${config.dockerSocket}, worker image ${config.workerImage}.`);
      return new DockerRuntime(config);
    case 'auto': {
      const docker = new DockerRuntime(config);
      const health = await docker.health();
      if (health.up && !(await docker.hasWorkerImage())) {
        logger.log(`Runtime: embedded (DBFORGE_RUNTIME=auto; a Docker engine answered but has no image ${config.workerImage}; build infra/db-worker-base or set DBFORGE_RUNTIME=docker).`);
        return new EmbeddedRuntime();
      }
      if (health.up) {
        logger.log(`Runtime: docker (DBFORGE_RUNTIME=auto; ${health.detail} answered), worker image ${config.workerImage}.`);
        return docker;
      }
      logger.log(`Runtime: embedded (DBFORGE_RUNTIME=auto; no Docker engine answered: ${health.detail}).`);
      return new EmbeddedRuntime();
    }
    default:
      return assertUnreachable(config.runtime);
  }
}
