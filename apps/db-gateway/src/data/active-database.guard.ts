import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { isValidDatabaseName } from '@dbforge/contracts';
import type { Request } from 'express';
import { CatalogService } from '../catalog/catalog.service';

/**
 * v1's order of checks on the data routes: a database that is not active answers 404 `Database not
 * found.` before the request's body is validated (guards run before the validation pipe). A
 * malformed name is left to the validation (400 INVALID_DATABASE_NAME), as before.
 */
@Injectable()
export class ActiveDatabaseGuard implements CanActivate {
  constructor(private readonly catalog: CatalogService) {}

  canActivate(context: ExecutionContext): boolean {
    const name = context.switchToHttp().getRequest<Request>().params.db_name;
    if (typeof name === 'string' && isValidDatabaseName(name)) this.catalog.requireActive(name);
    return true;
  }
}
