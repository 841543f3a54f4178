import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { StatementPlan } from '../statements/statement-plan';

/** Each request is its own transaction: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are refused. */
export function refuseTransactionControl(plan: StatementPlan): void {
  if (plan.controlsTransaction) {
    throw new DomainError(
      ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED,
      'SQL Error: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not accepted: each request is its own transaction; use /transaction for several statements.',
    );
  }
}

export function readKeyWriting(): DomainError {
  return new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'This API key may only read; the statement writes or changes state.');
}
