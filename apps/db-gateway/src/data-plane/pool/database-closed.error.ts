import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';

/**
 * The pool of a database was closed (the database pruned or deleted) while a request waited for it
 * or read from it: for the client the database is gone, as v1 said (404 `Database not found.`).
 */
export class DatabaseClosedError extends DomainError {
  constructor(readonly database: string) {
    super(ErrorCode.DATABASE_NOT_FOUND, 'Database not found.');
    this.name = 'DatabaseClosedError';
  }
}
