import { StreamableFile } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { CatalogService } from '../../catalog/catalog.service';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ActiveDatabases } from '../active-databases';
import { ConnectionPoolService, PoolLease } from '../pool/connection-pool.service';
import { DatabasePool } from '../pool/database-pool';
import { RowCursor, SqliteConnection, SqliteError, SqliteRow } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { StatementPlan } from '../statements/statement-plan';
import { StreamedReads } from '../streaming/streamed-reads.service';
import { QueryService } from './query.service';

const readPlan: StatementPlan = { returnsRows: true, readOnly: true, changesSchema: false, controlsTransaction: false, outsideTransaction: false };
const writePlan: StatementPlan = { ...readPlan, returnsRows: false, readOnly: false };
const controlPlan: StatementPlan = { ...writePlan, controlsTransaction: true };
const vacuumPlan: StatementPlan = { ...writePlan, outsideTransaction: true };

/** A connection that is read-only, as the pool's readers are: any write fails as SQLite fails it. `rows` answer every read. */
function connection(readOnly: boolean, log: string[], rows: SqliteRow[] = []): SqliteConnection {
  const attempt = <T>(sql: string, result: T): Promise<T> => {
    if (readOnly && sql.startsWith('DELETE')) return Promise.reject(new SqliteError('SQLITE_READONLY', 'attempt to write a readonly database'));
    log.push(`${readOnly ? 'reader' : 'writer'}: ${sql}`);
    return Promise.resolve(result);
  };
  return {
    all: (sql: string) => attempt(sql, sql.startsWith('SELECT changes()') ? [{ changes: 1, id: 7 }] : rows.map((row) => ({ ...row }))),
    run: (sql: string) => attempt(sql, { changes: 2, lastInsertId: 0 }),
    vacuum: (sql: string) => attempt(sql, undefined),
  } as unknown as SqliteConnection;
}

/** A pool whose planner answers `plans` in turn: the first one stale, as after a schema change. Writes log their mode. */
function pool(plans: StatementPlan[], log: string[], rows: SqliteRow[] = []): DatabasePool {
  return {
    plan: () => Promise.resolve(plans.shift()),
    read: (task: (c: SqliteConnection) => Promise<unknown>) => task(connection(true, log, rows)),
    write: (task: (c: SqliteConnection) => Promise<unknown>, mode: string) => {
      if (mode !== 'statement') log.push(`writer mode: ${mode}`);
      return task(connection(false, log, rows));
    },
  } as unknown as DatabasePool;
}

/** The real ActiveDatabases over a catalog that knows `shop` only, and pools that count their leases. */
function activeDatabases(databasePool: DatabasePool, leases: { out: number }): ActiveDatabases {
  const catalog = {
    requireActive: (name: string) => {
      if (name !== 'shop') throw DomainError.databaseNotFound();
      return { name };
    },
  } as unknown as CatalogService;
  const acquire = async (): Promise<PoolLease> => {
    leases.out++;
    return { pool: databasePool, release: () => leases.out-- };
  };
  const pools = {
    acquire,
    use: async (_name: string, task: (p: DatabasePool) => Promise<unknown>) => {
      const lease = await acquire();
      try {
        return await task(lease.pool);
      } finally {
        lease.release();
      }
    },
  } as unknown as ConnectionPoolService;
  return new ActiveDatabases(catalog, pools);
}

const failure = (promise: Promise<unknown>): Promise<DomainError> => promise.then(() => Promise.reject(new Error('it succeeded')), (error: DomainError) => error);

describe('QueryService', () => {
  let leases: { out: number };
  let opened: { sql: string; format: string; lease: PoolLease; cursor: RowCursor }[];

  beforeEach(() => {
    leases = { out: 0 };
    opened = [];
  });

  const sutWith = (databasePool: DatabasePool, limits = { maxResultRows: 100, maxResultBytes: 1_000_000 }) => {
    const streams = {
      open: async (_database: string, lease: PoolLease, sql: string, openCursor: (c: SqliteConnection) => RowCursor, format: string) => {
        opened.push({ sql, format, lease, cursor: openCursor({ cursor: (text: string, bindings: unknown) => ({ text, bindings }) } as unknown as SqliteConnection) });
        return new StreamableFile(Buffer.from(''));
      },
    } as unknown as StreamedReads;
    return new QueryService(
      activeDatabases(databasePool, leases),
      limits as GatewayConfig,
      { measure: (_base: unknown, work: () => Promise<unknown>) => work() } as unknown as SqlWorkEvents,
      streams,
    );
  };
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

  describe('read key and read-write key', () => {
    it('refuses a write for a read key before anything runs', async () => {
      const log: string[] = [];
      const refused = await failure(sutWith(pool([writePlan], log)).execute('shop', { sql: "UPDATE users SET name = 'x'" }, 'read'));
      expect(refused).toMatchObject({ code: ErrorCode.INSUFFICIENT_SCOPE, message: 'This API key may only read; the statement writes or changes state.' });
      expect(log).toEqual([]);
    });

    it('runs a write of a read-write key on the writer and answers what it changed', async () => {
      const log: string[] = [];
      const result = await sutWith(pool([writePlan], log)).execute('shop', { sql: "UPDATE users SET name = 'x'" }, 'read-write');
      expect(result).toEqual({ message: 'Query executed successfully.', rows_affected: 2, last_insert_id: 0 });
      expect(log).toEqual(["writer: UPDATE users SET name = 'x'"]);
    });

    it('reads rows of a read-write key on a reader', async () => {
      const log: string[] = [];
      const result = await sutWith(pool([readPlan], log, [{ id: 1 }])).execute('shop', { sql: 'SELECT id FROM users' });
      expect(result).toEqual({ data: [{ id: 1 }], rows_affected: 1 });
      expect(log).toEqual(['reader: SELECT id FROM users']);
    });

    it('answers the rows of a write with RETURNING, with the changes and the last id', async () => {
      const log: string[] = [];
      const result = await sutWith(pool([{ ...writePlan, returnsRows: true }], log, [{ id: 7 }])).execute('shop', { sql: "INSERT INTO users (name) VALUES ('x') RETURNING id" });
      expect(result).toEqual({ data: [{ id: 7 }], rows_affected: 1, last_insert_id: 7 });
      expect(log[0]).toBe("writer: INSERT INTO users (name) VALUES ('x') RETURNING id");
    });

    it('runs VACUUM alone on the writer, outside any transaction', async () => {
      const log: string[] = [];
      const result = await sutWith(pool([vacuumPlan], log)).execute('shop', { sql: 'VACUUM' });
      expect(result).toEqual({ message: 'Query executed successfully.', rows_affected: 0, last_insert_id: 0 });
      expect(log).toEqual(['writer mode: exclusive', 'writer: VACUUM']);
    });

    it('answers 404 for a database that is not active, and leases no pool', async () => {
      const refused = await failure(sutWith(pool([readPlan], [])).execute('gone', { sql: 'SELECT 1' }));
      expect(refused).toMatchObject({ code: ErrorCode.DATABASE_NOT_FOUND, message: 'Database not found.' });
      expect(leases.out).toBe(0);
    });
  });

  describe('transaction control', () => {
    it.each(['read', 'read-write'] as const)('refuses BEGIN and the like for a %s key: each request is its own transaction', async (access) => {
      const log: string[] = [];
      const refused = await failure(sutWith(pool([controlPlan], log)).execute('shop', { sql: 'BEGIN' }, access));
      expect(refused.code).toBe(ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED);
      expect(refused.message).toContain('use /transaction for several statements');
      expect(log).toEqual([]);
    });

    it('refuses it on a stream too, and hands the lease back', async () => {
      const refused = await failure(sutWith(pool([controlPlan], [])).stream('shop', { sql: 'COMMIT' }, 'ndjson'));
      expect(refused.code).toBe(ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED);
      expect(opened).toEqual([]);
      expect(leases.out).toBe(0);
    });
  });

  describe('streaming', () => {
    it.each([
      ['ndjson', 'NDJSON'],
      ['csv', 'CSV'],
    ] as const)('refuses a write as %s with NOT_ACCEPTABLE before it runs, and hands the lease back', async (format, shown) => {
      const log: string[] = [];
      const refused = await failure(sutWith(pool([writePlan], log)).stream('shop', { sql: "UPDATE users SET name = 'x'" }, format));
      expect(refused).toMatchObject({
        code: ErrorCode.NOT_ACCEPTABLE,
        message: `Only a statement that reads rows can stream as ${shown}; send this one with Accept: application/json.`,
      });
      expect(log).toEqual([]);
      expect(opened).toEqual([]);
      expect(leases.out).toBe(0);
    });

    it('refuses a read that yields no rows', async () => {
      const refused = await failure(sutWith(pool([{ ...readPlan, returnsRows: false }], [])).stream('shop', { sql: 'SELECT 1' }, 'csv'));
      expect(refused.code).toBe(ErrorCode.NOT_ACCEPTABLE);
    });

    it('opens a cursor over the statement with its bindings and keeps the lease for the stream', async () => {
      await sutWith(pool([readPlan], [])).stream('shop', { sql: 'SELECT * FROM users WHERE id > ?', params: [3] }, 'ndjson');
      expect(opened).toHaveLength(1);
      expect(opened[0]).toMatchObject({ sql: 'SELECT * FROM users WHERE id > ?', format: 'ndjson', cursor: { text: 'SELECT * FROM users WHERE id > ?', bindings: [3] } });
      expect(leases.out).toBe(1);
      opened[0].lease.release();
      expect(leases.out).toBe(0);
    });

    it('answers in JSON through respond when asked for JSON, and streams otherwise', async () => {
      const sut = sutWith(pool([readPlan, readPlan], [], [{ id: 1 }]));
      expect(await sut.respond('shop', { sql: 'SELECT id FROM users' }, 'read', 'json')).toEqual({ data: [{ id: 1 }], rows_affected: 1 });
      expect(await sut.respond('shop', { sql: 'SELECT id FROM users' }, 'read', 'csv')).toBeInstanceOf(StreamableFile);
      expect(opened.map((stream) => stream.format)).toEqual(['csv']);
    });
  });

  describe('result caps from the configuration', () => {
    const rows = [{ id: 1 }, { id: 2 }, { id: 3 }];

    it('cuts a read at DBFORGE_MAX_RESULT_ROWS and says how to page', async () => {
      const result = await sutWith(pool([readPlan], [], rows), { maxResultRows: 2, maxResultBytes: 1_000_000 }).execute('shop', { sql: 'SELECT id FROM users' });
      expect(result).toEqual({
        data: [{ id: 1 }, { id: 2 }],
        rows_affected: 2,
        truncated: true,
        message: expect.stringMatching(/^Only the first 2 rows \(DBFORGE_MAX_RESULT_ROWS\) are returned\. Page with LIMIT\/OFFSET/),
      });
    });

    it('cuts a read at DBFORGE_MAX_RESULT_BYTES', async () => {
      // Each { id } row is about 32 bytes of JSON: two fit in 70.
      const result = await sutWith(pool([readPlan], [], rows), { maxResultRows: 100, maxResultBytes: 70 }).execute('shop', { sql: 'SELECT id FROM users' });
      expect(result).toMatchObject({ data: [{ id: 1 }, { id: 2 }], truncated: true, message: expect.stringContaining('2 rows that fit in DBFORGE_MAX_RESULT_BYTES (70 bytes)') });
    });

    it('refuses a read whose first row alone is larger than the byte cap', async () => {
      const refused = await failure(sutWith(pool([readPlan], [], [{ body: 'x'.repeat(200) }]), { maxResultRows: 100, maxResultBytes: 100 }).execute('shop', { sql: 'SELECT body FROM t' }));
      expect(refused.code).toBe(ErrorCode.RESULT_TOO_LARGE);
      expect(refused.message).toContain('DBFORGE_MAX_RESULT_BYTES (100 bytes)');
    });

    it('answers a write with RETURNING past the caps with the rows that fit, since it has happened', async () => {
      const result = await sutWith(pool([{ ...writePlan, returnsRows: true }], [], rows), { maxResultRows: 1, maxResultBytes: 1_000_000 }).execute('shop', {
        sql: 'DELETE FROM users RETURNING id',
      });
      expect(result).toMatchObject({ data: [{ id: 1 }], truncated: true, rows_affected: 1, last_insert_id: 7 });
    });
  });
});
