import { ErrorCode, TransactionRequestDto } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ActiveDatabases } from '../active-databases';
import { DatabasePool } from '../pool/database-pool';
import { SqliteConnection, SqliteError } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { StatementPlan } from '../statements/statement-plan';
import { TransactionService } from './transaction.service';

const reads: StatementPlan = { returnsRows: true, readOnly: true, changesSchema: false, controlsTransaction: false, outsideTransaction: false };
const writes: StatementPlan = { ...reads, returnsRows: false, readOnly: false };

/** The plan SQLite would make of a statement, by its first word. */
function planOf(sql: string): StatementPlan {
  const keyword = sql.split(' ')[0];
  if (keyword === 'SELECT') return reads;
  if (keyword === 'VACUUM') return { ...writes, outsideTransaction: true };
  if (keyword === 'SAVEPOINT' || keyword === 'COMMIT') return { ...writes, controlsTransaction: true };
  return writes;
}

/**
 * One database whose connections log what runs on them (`reader:` / `writer:`); the writer's work runs
 * as the WriteBatcher runs a transaction: its failure rolls back everything it did. A statement
 * containing `fails` fails as SQLite would, with `error`.
 */
class FakeDatabase {
  readonly log: string[] = [];
  committed: string[] = [];
  error = new SqliteError('SQLITE_CONSTRAINT', 'UNIQUE constraint failed: users.email');

  readonly pool = {
    planOn: async (_connection: SqliteConnection, statement: { sql: string }) => planOf(statement.sql),
    read: (task: (connection: SqliteConnection) => Promise<unknown>) => task(this.connection('reader')),
    write: async (task: (connection: SqliteConnection) => Promise<unknown>, mode: string) => {
      const pending: string[] = [];
      const result = await task(this.connection(`writer (${mode})`, pending));
      this.committed.push(...pending);
      return result;
    },
  } as unknown as DatabasePool;

  private connection(role: string, pending: string[] = []): SqliteConnection {
    const step = async (sql: string) => {
      this.log.push(`${role}: ${sql}`);
      if (sql.includes('fails')) throw this.error;
      pending.push(sql);
    };
    return {
      all: async (sql: string) => (await step(sql), sql.startsWith('SELECT changes()') ? [{ changes: 1, id: 1 }] : [{ n: 1 }]),
      run: async (sql: string) => (await step(sql), { changes: 1, lastInsertId: 5 }),
      exec: step,
      vacuum: step,
    } as unknown as SqliteConnection;
  }
}

const failure = (promise: Promise<unknown>): Promise<DomainError> => promise.then(() => Promise.reject(new Error('it succeeded')), (error: DomainError) => error);

describe('TransactionService', () => {
  let database: FakeDatabase;
  let sut: TransactionService;
  const request = (sqls: string[], readOnly?: boolean): TransactionRequestDto => ({ statements: sqls.map((sql) => ({ sql })), ...(readOnly === undefined ? {} : { read_only: readOnly }) });

  beforeEach(() => {
    database = new FakeDatabase();
    const databases = { use: (_name: string, task: (pool: DatabasePool) => Promise<unknown>) => task(database.pool) } as unknown as ActiveDatabases;
    const events = { measure: (_base: unknown, work: () => Promise<unknown>) => work() } as unknown as SqlWorkEvents;
    sut = new TransactionService(databases, { maxStatements: 3, maxResultRows: 100, maxResultBytes: 1_000_000 } as GatewayConfig, events);
  });

  it('runs the statements in order as one write transaction and answers each result', async () => {
    const answer = await sut.run('shop', request(["INSERT INTO users (email) VALUES ('a')", 'SELECT count(*) AS n FROM users']));
    expect(answer).toEqual({
      results: [
        { message: 'Query executed successfully.', rows_affected: 1, last_insert_id: 5 },
        { data: [{ n: 1 }], rows_affected: 1 },
      ],
    });
    expect(database.log).toEqual(["writer (transaction): INSERT INTO users (email) VALUES ('a')", 'writer (transaction): SELECT count(*) AS n FROM users']);
  });

  it(`refuses more than DBFORGE_MAX_STATEMENTS statements before anything runs`, async () => {
    const refused = await failure(Promise.resolve().then(() => sut.run('shop', request(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 4']))));
    expect(refused).toMatchObject({ code: ErrorCode.TOO_MANY_STATEMENTS, message: '4 statements in one transaction; at most 3 (DBFORGE_MAX_STATEMENTS).' });
    expect(database.log).toEqual([]);
  });

  it('takes exactly DBFORGE_MAX_STATEMENTS statements', async () => {
    expect((await sut.run('shop', request(['SELECT 1', 'SELECT 2', 'SELECT 3']))).results).toHaveLength(3);
  });

  it('names the failing statement, stops there and commits nothing of the transaction', async () => {
    const refused = await failure(sut.run('shop', request(["INSERT INTO users (email) VALUES ('a')", "INSERT INTO users (email) VALUES ('fails')", "INSERT INTO users (email) VALUES ('c')"])));
    expect(refused).toMatchObject({ code: ErrorCode.CONSTRAINT_VIOLATION, message: 'SQL Error: UNIQUE constraint failed: users.email (statement 2 of 3)' });
    expect(database.log).toHaveLength(2);
    expect(database.committed).toEqual([]);
  });

  it('names the statement that cannot be bound, before anything runs', async () => {
    const refused = await failure(Promise.resolve().then(() => sut.run('shop', request(['SELECT 1', 'SELECT 2; SELECT 3']))));
    expect(refused).toMatchObject({ code: ErrorCode.MULTIPLE_STATEMENTS, message: 'SQL Error: You can only execute one statement at a time. (statement 2 of 2)' });
    expect(database.log).toEqual([]);
  });

  it('refuses VACUUM inside a transaction, naming it', async () => {
    const refused = await failure(sut.run('shop', request(["INSERT INTO users (email) VALUES ('a')", 'VACUUM'])));
    expect(refused).toMatchObject({ code: ErrorCode.STATEMENT_NOT_ALLOWED, message: 'VACUUM cannot run inside a transaction; send it alone to /query. (statement 2 of 2)' });
    expect(database.committed).toEqual([]);
  });

  it('refuses transaction control inside a transaction', async () => {
    const refused = await failure(sut.run('shop', request(['SAVEPOINT x'])));
    expect(refused.code).toBe(ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED);
    expect(refused.message).toMatch(/\(statement 1 of 1\)$/);
  });

  describe('read_only', () => {
    it('reads every statement in one snapshot on a reader, between BEGIN and COMMIT', async () => {
      const answer = await sut.run('shop', request(['SELECT count(*) AS n FROM users', 'SELECT count(*) AS n FROM orders'], true), 'read');
      expect(answer.results).toEqual([
        { data: [{ n: 1 }], rows_affected: 1 },
        { data: [{ n: 1 }], rows_affected: 1 },
      ]);
      expect(database.log).toEqual(['reader: BEGIN', 'reader: SELECT count(*) AS n FROM users', 'reader: SELECT count(*) AS n FROM orders', 'reader: COMMIT']);
    });

    it('refuses a write in a read_only transaction, naming it, and still ends the snapshot', async () => {
      const refused = await failure(sut.run('shop', request(['SELECT 1', "DELETE FROM users WHERE email = 'a'"], true)));
      expect(refused).toMatchObject({
        code: ErrorCode.VALIDATION_FAILED,
        message: 'A read_only transaction may only read; this statement writes or changes state. (statement 2 of 2)',
      });
      expect(database.log).toEqual(['reader: BEGIN', 'reader: SELECT 1', 'reader: COMMIT']);
    });

    it('ends the snapshot when a read fails', async () => {
      database.error = new SqliteError('SQLITE_ERROR', 'no such table: fails');
      const refused = await failure(sut.run('shop', request(['SELECT * FROM fails'], true)));
      expect(refused).toMatchObject({ code: ErrorCode.SQL_ERROR, message: 'SQL Error: no such table: fails (statement 1 of 1)' });
      expect(database.log[database.log.length - 1]).toBe('reader: COMMIT');
    });
  });

  describe('a read key', () => {
    it('may not run a transaction that is not read_only', async () => {
      for (const readOnly of [undefined, false]) {
        const refused = await failure(Promise.resolve().then(() => sut.run('shop', request(['SELECT 1'], readOnly), 'read')));
        expect(refused).toMatchObject({ code: ErrorCode.INSUFFICIENT_SCOPE, message: 'This API key may only read; send "read_only": true.' });
      }
      expect(database.log).toEqual([]);
    });

    it('runs a read_only one', async () => {
      expect((await sut.run('shop', request(['SELECT 1'], true), 'read')).results).toHaveLength(1);
    });
  });
});
