import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import type { Request } from 'express';
import { DomainError } from '../common/domain.error';
import { AuthMode, authModeOf } from '../config/auth-mode';
import { GatewayConfig } from '../config/gateway.config';
import { isLoopbackHost } from '../config/load-gateway-config';

/** The host name of a `Host` header value (`name`, `name:port`, `[v6]:port`). */
function hostnameOf(host: string): string {
  const bracketed = /^(\[[^\]]*\])(:\d*)?$/.exec(host);
  if (bracketed) return bracketed[1];
  return host.startsWith('[') ? host : host.replace(/:\d*$/, '');
}

/**
 * Without DBFORGE_ADMIN_KEY nothing proves who sends a request, so a browser would carry out what any
 * web page asks of the gateway (a form or `fetch` with a simple content type needs no CORS consent):
 * restore, spawn, drop. So a keyless gateway refuses:
 * - a request with an `Origin` that is not the gateway's own (the page that made it is elsewhere;
 *   `Origin: null` too), or that the browser marks `Sec-Fetch-Site: cross-site`;
 * - in `local` mode, a request whose `Host` is not a loopback name: a page on a domain that
 *   resolves to 127.0.0.1 (DNS rebinding) is same-origin to the browser, but names its own domain.
 * Clients outside a browser (curl, the CLI, the client library, ORMs) send neither and are served.
 * With a key none of this applies: a browser cannot add the key to a request another site makes.
 */
export function refuseForeignRequest(request: Request, mode: AuthMode): void {
  if (mode === 'keys') return;
  const host = request.headers.host ?? '';
  if (mode === 'local' && host !== '' && !isLoopbackHost(hostnameOf(host))) {
    throw new DomainError(
      ErrorCode.FOREIGN_REQUEST,
      `Refused a request addressed to ${JSON.stringify(host)}: without DBFORGE_ADMIN_KEY the gateway answers only requests addressed to this machine (localhost, 127.0.0.1, [::1]). Set DBFORGE_ADMIN_KEY to serve other names.`,
    );
  }
  const origin = request.headers.origin;
  const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
  if ((origin !== undefined && !isOwnOrigin(origin, host)) || crossSite) {
    throw new DomainError(
      ErrorCode.FOREIGN_REQUEST,
      `Refused a request from the web page at ${origin ?? 'another site'}: a gateway without DBFORGE_ADMIN_KEY answers only requests made from its own pages or outside a browser.`,
    );
  }
}

function isOwnOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase();
  } catch {
    return false; // `null` and anything unreadable
  }
}

/** refuseForeignRequest on every route, the first guard: a refused request uses up nobody's rate limit. */
@Injectable()
export class ForeignRequestGuard implements CanActivate {
  private readonly mode: AuthMode;

  constructor(config: GatewayConfig) {
    this.mode = authModeOf(config);
  }

  canActivate(context: ExecutionContext): boolean {
    refuseForeignRequest(context.switchToHttp().getRequest<Request>(), this.mode);
    return true;
  }
}
