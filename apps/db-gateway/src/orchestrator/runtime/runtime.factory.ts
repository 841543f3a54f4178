import { Logger } from '@nestjs/common';
import { GatewayConfig } from '../../config/gateway.config';
import { assertUnreachable } from '../../common/assert-unreachable';
import { ContainerRuntime } from './container-runtime.port';
import { EmbeddedRuntime } from './embedded.runtime';

/**
 * Picks the runtime from DBFORGE_RUNTIME. This build ships the embedded runtime only; the Docker
 * driver plugs in here behind the same port. Until it does, `docker` refuses to start rather than
 * pretend, and `auto` says that it chose embedded.
 */
export function createContainerRuntime(config: GatewayConfig): ContainerRuntime {
  const logger = new Logger('ContainerRuntime');
  switch (config.runtime) {
    case 'embedded':
      logger.log('Runtime: embedded (DBFORGE_RUNTIME=embedded); databases are held by the gateway, no containers.');
      return new EmbeddedRuntime();
    case 'auto':
      logger.log('Runtime: embedded (DBFORGE_RUNTIME=auto; this build has no Docker driver yet); no containers.');
      return new EmbeddedRuntime();
    case 'docker':
      throw new Error('DBFORGE_RUNTIME=docker: this build has no Docker driver yet; use "embedded" or "auto".');
    default:
      return assertUnreachable(config.runtime);
  }
}
