import { GatewayConfig } from './gateway.config';

/**
 * How requests are authorised: `keys` (DBFORGE_ADMIN_KEY set: the admin key or a database key),
 * `open` (DBFORGE_OPEN=true: no key, anyone who can reach the gateway), `local` (no key, and the
 * gateway listens on a loopback address only, so only this machine can reach it).
 */
export type AuthMode = 'keys' | 'open' | 'local';

export function authModeOf(config: Pick<GatewayConfig, 'adminKey' | 'open'>): AuthMode {
  if (config.adminKey) return 'keys';
  return config.open ? 'open' : 'local';
}

/** One sentence for readiness and the start-up log. */
export function describeAuthMode(config: Pick<GatewayConfig, 'adminKey' | 'open' | 'host'>): string {
  switch (authModeOf(config)) {
    case 'keys':
      return 'keys required';
    case 'open':
      return 'open: DBFORGE_OPEN=true, every endpoint is open to anyone who can reach it';
    case 'local':
      return `open to this machine only: DBFORGE_ADMIN_KEY is not set and HOST=${config.host} is a loopback address`;
  }
}
