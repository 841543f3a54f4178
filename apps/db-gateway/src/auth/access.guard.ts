import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { ROUTE_ACCESS, RequestWithAccess, RouteAccess } from './access.decorators';
import { ApiKeysService } from './api-keys.service';
import { FailedAuthLimiter } from './failed-auth-limiter';
import { presentedKey } from './presented-key';

/**
 * Authenticates and authorizes every request. Without DBFORGE_ADMIN_KEY everything is let through,
 * as v1 did (what a browser sends on behalf of another site was refused before: ForeignRequestGuard). Otherwise: no key 401; an unknown, revoked or expired key 403; a database key
 * on /admin, on another database, or a read key on a write route 403. An address that presented
 * too many invalid keys is 429 for any key until its allowance refills.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly failures?: FailedAuthLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    config: GatewayConfig,
  ) {
    if (config.authFailuresPerMinute > 0) this.failures = new FailedAuthLimiter(config.authFailuresPerMinute);
  }

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]) ?? 'admin';
    const request = context.switchToHttp().getRequest<RequestWithAccess>();
    if (access === 'public' || this.keys.open) return true;

    const key = presentedKey(request);
    if (!key) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>".');
    }
    const address = request.ip ?? 'unknown';
    this.refuseIfFailedTooOften(this.failures?.wait(address) ?? 0);
    const principal = this.keys.identifyRequest(request);
    if (!principal) {
      this.refuseIfFailedTooOften(this.failures?.fail(address) ?? 0);
      throw new DomainError(ErrorCode.INVALID_API_KEY, 'The API key is not valid (unknown, revoked or expired).');
    }
    if (principal.kind !== 'database') return true;

    if (access === 'admin') throw new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'A database key cannot call admin endpoints; use the admin key.');
    if (principal.key.database !== request.params.db_name) {
      throw new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'This API key belongs to another database.');
    }
    if (access === 'read-write' && principal.key.scope === 'read') {
      throw new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'This API key may only read.');
    }
    request.dbforgeAccess = principal.key.scope;
    return true;
  }

  private refuseIfFailedTooOften(wait: number): void {
    if (wait > 0) {
      throw new DomainError(ErrorCode.RATE_LIMITED, `Too many invalid API keys from this address; retry in ${wait} s.`, { 'Retry-After': String(wait) });
    }
  }
}
