import { SetMetadata, applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';
import { ErrorCode } from '@dbforge/contracts';
import type { Request } from 'express';
import { ApiErrors } from '../common/api-errors.decorator';

/** Who may call a route. Routes without a declaration are admin-only (the safe default). */
export type RouteAccess = 'public' | 'admin' | 'read' | 'read-write' | 'statement';
export const ROUTE_ACCESS = 'dbforge:route-access';

/** The errors any keyed route can answer before it runs: no key, a wrong key, a key without the scope, the rate limit. */
const KEYED_ROUTE_ERRORS = [ErrorCode.UNAUTHENTICATED, ErrorCode.INVALID_API_KEY, ErrorCode.INSUFFICIENT_SCOPE, ErrorCode.RATE_LIMITED];

/** Anyone: greeting, health, docs. Swagger shows no lock on them (an empty security requirement). */
export const PublicRoute = () =>
  applyDecorators(SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess), SetMetadata(DECORATORS.API_SECURITY, []));
/** The admin key only. */
export const AdminRoute = () => applyDecorators(SetMetadata(ROUTE_ACCESS, 'admin' satisfies RouteAccess), ApiErrors(...KEYED_ROUTE_ERRORS));
/**
 * The admin key or a key for the database in the path: `read` and `read-write` say which scope the
 * route needs; `statement` lets read keys in and leaves the decision to the statement itself.
 */
export const DatabaseRoute = (needs: 'read' | 'read-write' | 'statement') =>
  applyDecorators(SetMetadata(ROUTE_ACCESS, needs), ApiErrors(...KEYED_ROUTE_ERRORS));

/** What the caller may do on the database of this request: set by the access guard. */
export type GrantedAccess = 'read' | 'read-write';

export interface RequestWithAccess extends Request {
  dbforgeAccess?: GrantedAccess;
}

/** The access the guard granted to this request (`read-write` for the admin and in open mode). */
export const Access = createParamDecorator(
  (_data: unknown, context: ExecutionContext): GrantedAccess => context.switchToHttp().getRequest<RequestWithAccess>().dbforgeAccess ?? 'read-write',
);
