import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ActiveDatabases } from '../active-databases';
import { DatabasePool } from '../pool/database-pool';
import { SqliteConnection, SqliteError } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { StatementPlan } from '../statements/statement-plan';
import { StreamedReads } from '../streaming/streamed-reads.service';
import { QueryService } from './query.service';

const readPlan: StatementPlan = { returnsRows: true, readOnly: true, changesSchema: false, controlsTransaction: false, outsideTransaction: false };
const writePlan: StatementPlan = { ...readPlan, returnsRows: false, readOnly: false };

/** A connection that is read-only, as the pool's readers are: any write fails as SQLite fails it. */
function connection(readOnly: boolean, log: string[]): SqliteConnection {
  const attempt = <T>(sql: string, result: T): Promise<T> => {
    if (readOnly && sql.startsWith('DELETE')) return Promise.reject(new SqliteError('SQLITE_READONLY', 'attempt to write a readonly database'));
    log.push(`${readOnly ? 'reader' : 'writer'}: ${sql}`);
    return Promise.resolve(result);
  };
  return { all: (sql: string) => attempt(sql, []), run: (sql: string) => attempt(sql, { changes: 2, lastInsertId: 0 }) } as unknown as SqliteConnection;
}

/** A pool whose planner answers `plans` in turn: the first one stale, as after a schema change. */
function pool(plans: StatementPlan[], log: string[]): DatabasePool {
  return {
    plan: () => Promise.resolve(plans.shift()),
    read: (task: (c: SqliteConnection) => Promise<unknown>) => task(connection(true, log)),
    write: (task: (c: SqliteConnection) => Promise<unknown>) => task(connection(false, log)),
  } as unknown as DatabasePool;
}

describe('QueryService', () => {
  const sutWith = (databasePool: DatabasePool) =>
    new QueryService(
      { use: (_name: string, task: (p: DatabasePool) => Promise<unknown>) => task(databasePool) } as unknown as ActiveDatabases,
      { maxResultRows: 100, maxResultBytes: 1_000_000 } as GatewayConfig,
      { measure: (_base: unknown, work: () => Promise<unknown>) => work() } as unknown as SqlWorkEvents,
      {} as StreamedReads,
    );
  const sql = 'DELETE FROM users RETURNING id';

  it('refuses a read key whose stale read-only plan meets a write: SQLite says no on the reader', async () => {
    const log: string[] = [];
    const refused = await sutWith(pool([readPlan, writePlan], log)).execute('shop', { sql }, 'read').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe(ErrorCode.INSUFFICIENT_SCOPE);
    expect(log).toEqual([]);
  });

  it('runs a read-write key statement on the writer with a fresh plan when its plan went stale', async () => {
    const log: string[] = [];
    const result = await sutWith(pool([readPlan, writePlan], log)).execute('shop', { sql }, 'read-write');
    expect(result).toEqual({ message: 'Query executed successfully.', rows_affected: 2, last_insert_id: 0 });
    expect(log).toEqual([`writer: ${sql}`]);
  });

  it('runs every statement of a read key on a reader, whatever its plan says about rows', async () => {
    const log: string[] = [];
    await sutWith(pool([{ ...readPlan, returnsRows: false }], log)).execute('shop', { sql: 'SELECT 1' }, 'read');
    expect(log).toEqual(['reader: SELECT 1']);
  });
});
