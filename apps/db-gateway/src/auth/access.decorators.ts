import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who may call a route. Routes without a declaration are admin-only (the safe default). */
export type RouteAccess = 'public' | 'admin' | 'read' | 'read-write' | 'statement';
export const ROUTE_ACCESS = 'dbforge:route-access';

/** Anyone: greeting, health, docs. */
export const PublicRoute = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);
/** The admin key only. */
export const AdminRoute = () => SetMetadata(ROUTE_ACCESS, 'admin' satisfies RouteAccess);
/**
 * The admin key or a key for the database in the path: `read` and `read-write` say which scope the
 * route needs; `statement` lets read keys in and leaves the decision to the statement itself.
 */
export const DatabaseRoute = (needs: 'read' | 'read-write' | 'statement') => SetMetadata(ROUTE_ACCESS, needs);

/** What the caller may do on the database of this request: set by the access guard. */
export type GrantedAccess = 'read' | 'read-write';

export interface RequestWithAccess extends Request {
  dbforgeAccess?: GrantedAccess;
}

/** The access the guard granted to this request (`read-write` for the admin and in open mode). */
export const Access = createParamDecorator(
  (_data: unknown, context: ExecutionContext): GrantedAccess => context.switchToHttp().getRequest<RequestWithAccess>().dbforgeAccess ?? 'read-write',
);
