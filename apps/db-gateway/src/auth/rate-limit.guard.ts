import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@dbforge/contracts';
import type { Request } from 'express';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { ROUTE_ACCESS, RouteAccess } from './access.decorators';
import { ApiKeysService } from './api-keys.service';
import { TokenBuckets } from './token-buckets';

/**
 * Limits requests per API key, or per client address without a valid one; 429 with Retry-After past
 * it. A key counts as a caller of its own only when it is one the gateway knows, so presenting a new
 * made-up key each time draws on the address's bucket, not a fresh one. Public routes are not limited.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly buckets?: TokenBuckets;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    config: GatewayConfig,
  ) {
    if (config.rateLimitPerSecond > 0) this.buckets = new TokenBuckets(config.rateLimitPerSecond, config.rateLimitBurst);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.buckets) return true;
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<Request>();
    // A known key is counted by its id (the admin key as `admin`), so the limiter's memory never holds a key.
    const principal = this.keys.identifyRequest(request);
    const caller = principal ? (principal.kind === 'database' ? `key:${principal.key.id}` : principal.kind) : `address:${request.ip ?? 'unknown'}`;
    const wait = this.buckets.take(caller);
    if (wait > 0) {
      throw new DomainError(ErrorCode.RATE_LIMITED, `Too many requests; retry in ${wait} s.`, { 'Retry-After': String(wait) });
    }
    return true;
  }
}
