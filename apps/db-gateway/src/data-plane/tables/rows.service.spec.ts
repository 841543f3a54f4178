import { StreamableFile } from '@nestjs/common';
import { ErrorCode, RowsResponseDto } from '@dbforge/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { NodeSqlite3Driver } from '../../sqlite/node-sqlite3.driver';
import { RowCursor, SqliteConnection, SqliteRow } from '../../sqlite/sqlite.port';
import { ActiveDatabases } from '../active-databases';
import { PoolLease } from '../pool/connection-pool.service';
import { DatabasePool } from '../pool/database-pool';
import { SqlWorkEvents } from '../sql-work.events';
import { StreamedReads } from '../streaming/streamed-reads.service';
import { RowsService } from './rows.service';

const failure = (promise: Promise<unknown>): Promise<DomainError> => promise.then(() => Promise.reject(new Error('it succeeded')), (error: DomainError) => error);

/**
 * The rows API over a real SQLite file (the SQL it builds is the behaviour), behind a fake pool: reads
 * and writes on one connection, a write in its own transaction as the WriteBatcher runs it.
 */
describe('RowsService', () => {
  let directory: string;
  let connection: SqliteConnection;
  let leases: number;
  let streamed: { label: string; format: string; cursor: RowCursor }[];

  const sutWith = (limits: { maxResultRows: number; maxResultBytes: number } = { maxResultRows: 100, maxResultBytes: 1_000_000 }) => {
    const pool = {
      read: (task: (c: SqliteConnection) => Promise<unknown>) => task(connection),
      write: async (task: (c: SqliteConnection) => Promise<unknown>) => {
        await connection.exec('BEGIN');
        try {
          const result = await task(connection);
          await connection.exec('COMMIT');
          return result;
        } catch (error) {
          await connection.exec('ROLLBACK');
          throw error;
        }
      },
    } as unknown as DatabasePool;
    const databases = {
      use: (_name: string, task: (p: DatabasePool) => Promise<unknown>) => task(pool),
      lease: async (_name: string, prepare: (p: DatabasePool) => Promise<unknown>) => {
        leases++;
        return { lease: { pool, release: () => leases-- }, prepared: await prepare(pool).catch((error: unknown) => (leases--, Promise.reject(error))) };
      },
    } as unknown as ActiveDatabases;
    const streams = {
      open: async (_database: string, _lease: PoolLease, label: string, openCursor: (c: SqliteConnection) => RowCursor, format: string) => {
        streamed.push({ label, format, cursor: openCursor(connection) });
        return new StreamableFile(Buffer.from(''));
      },
    } as unknown as StreamedReads;
    const events = { measure: (_base: unknown, work: () => Promise<unknown>) => work() } as unknown as SqlWorkEvents;
    return new RowsService(databases, limits as GatewayConfig, events, streams);
  };

  const names = async () => (await connection.all('SELECT name FROM users ORDER BY id')).map((row) => row.name);

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'dbforge-rows-'));
    connection = await new NodeSqlite3Driver().open(join(directory, 'shop.db'), { readOnly: false, create: true, busyTimeoutMs: 1000, synchronous: 'NORMAL' });
    await connection.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, team TEXT)');
    await connection.exec("INSERT INTO users (name, team) VALUES ('ada', 'red'), ('bob', 'blue'), ('cy', 'red'), ('dee', 'red'), ('eve', 'blue')");
    leases = 0;
    streamed = [];
  });

  afterEach(async () => {
    await connection.close();
    rmSync(directory, { recursive: true, force: true });
  });

  describe('read', () => {
    it('answers every matching row as v1 did, without paging fields', async () => {
      expect(await sutWith().read('shop', 'users', { team: 'blue' })).toEqual({
        data: [
          { id: 2, name: 'bob', team: 'blue' },
          { id: 5, name: 'eve', team: 'blue' },
        ],
        rows_affected: 2,
      });
    });

    it('pages with _limit and a cursor that starts the next page after the last row, with the count of all matches', async () => {
      const sut = sutWith();
      const first = await sut.read('shop', 'users', { team: 'red', _select: 'name', _limit: '2', _count: 'true' });
      expect(first).toEqual({ data: [{ name: 'ada' }, { name: 'cy' }], rows_affected: 2, more: true, matched: 3, next_cursor: expect.any(String) }); // a page asked for is not `truncated`
      const second = await sut.read('shop', 'users', { team: 'red', _select: 'name', _limit: '2', _after: first.next_cursor });
      expect(second).toEqual({ data: [{ name: 'dee' }], rows_affected: 1, more: false });
    });

    it('cuts a read without _limit at DBFORGE_MAX_RESULT_ROWS, says so, and offers the next page', async () => {
      const page = await sutWith({ maxResultRows: 2, maxResultBytes: 1_000_000 }).read('shop', 'users', {});
      expect(page).toMatchObject({
        data: [{ name: 'ada' }, { name: 'bob' }],
        rows_affected: 2,
        truncated: true,
        more: true,
        message: expect.stringContaining('first 2 rows (DBFORGE_MAX_RESULT_ROWS)'),
        next_cursor: expect.any(String),
      });
    });

    it('cuts a page at DBFORGE_MAX_RESULT_BYTES', async () => {
      const page = (await sutWith({ maxResultRows: 100, maxResultBytes: 150 }).read('shop', 'users', {})) as RowsResponseDto;
      expect(page.data.length).toBeGreaterThan(0);
      expect(page.data.length).toBeLessThan(5);
      expect(page).toMatchObject({ truncated: true, more: true, message: expect.stringContaining('DBFORGE_MAX_RESULT_BYTES (150 bytes)') });
    });

    it('refuses a first row larger than DBFORGE_MAX_RESULT_BYTES on its own', async () => {
      const refused = await failure(sutWith({ maxResultRows: 100, maxResultBytes: 20 }).read('shop', 'users', {}));
      expect(refused).toMatchObject({ code: ErrorCode.RESULT_TOO_LARGE, message: 'The first row alone is larger than DBFORGE_MAX_RESULT_BYTES (20 bytes): choose fewer columns with _select.' });
    });

    it('refuses a missing table as v1 did, and an unknown column', async () => {
      expect(await failure(sutWith().read('shop', 'nope', {}))).toMatchObject({ code: ErrorCode.TABLE_NOT_FOUND, message: 'SQL Error: no such table: nope' });
      expect(await failure(sutWith().read('shop', 'users', { age: '3' }))).toMatchObject({ code: ErrorCode.UNKNOWN_COLUMN });
    });
  });

  describe('stream', () => {
    it('refuses _count on a stream before it opens, and hands the lease back', async () => {
      const refused = await failure(sutWith().stream('shop', 'users', { _count: 'true' }, 'ndjson'));
      expect(refused).toMatchObject({ code: ErrorCode.VALIDATION_FAILED, message: '_count=true is not available on a streamed read; ask with Accept: application/json.' });
      expect(streamed).toEqual([]);
      expect(leases).toBe(0);
    });

    it('streams every matching row past the result limits, in keyset pages, holding the lease', async () => {
      await sutWith({ maxResultRows: 1, maxResultBytes: 1_000_000 }).stream('shop', 'users', { team: 'red', _select: 'name' }, 'csv');
      expect(streamed.map(({ label, format }) => ({ label, format }))).toEqual([{ label: 'SELECT * FROM "users" (rows endpoint, streamed)', format: 'csv' }]);
      const rows: SqliteRow[] = [];
      for (let batch = await streamed[0].cursor.next(2, 1_000_000); batch.length > 0; batch = await streamed[0].cursor.next(2, 1_000_000)) rows.push(...batch);
      await streamed[0].cursor.close();
      expect(rows).toEqual([{ name: 'ada' }, { name: 'cy' }, { name: 'dee' }]);
      expect(leases).toBe(1);
    });
  });

  describe('update and delete', () => {
    it('updates the rows the filters match and answers how many', async () => {
      expect(await sutWith().update('shop', 'users', { team: 'blue' }, { set: { team: 'green' } })).toEqual({ message: 'Rows updated successfully.', rows_affected: 2 });
      expect((await connection.all("SELECT name FROM users WHERE team = 'green' ORDER BY id")).map((row) => row.name)).toEqual(['bob', 'eve']);
    });

    it('deletes the rows the filters match and answers how many', async () => {
      expect(await sutWith().delete('shop', 'users', { id__in: '1,3' })).toEqual({ message: 'Rows deleted successfully.', rows_affected: 2 });
      expect(await names()).toEqual(['bob', 'dee', 'eve']);
    });

    it('refuses to change every row without _all=true, and does with it', async () => {
      expect(await failure(sutWith().delete('shop', 'users', {}))).toMatchObject({ code: ErrorCode.UNFILTERED_WRITE });
      expect(await names()).toHaveLength(5);
      expect(await sutWith().delete('shop', 'users', { _all: 'true' })).toEqual({ message: 'Rows deleted successfully.', rows_affected: 5 });
    });

    it('refuses read-only parameters on a write', async () => {
      const refused = await failure(sutWith().delete('shop', 'users', { team: 'red', _limit: '1' }));
      expect(refused).toMatchObject({ code: ErrorCode.VALIDATION_FAILED, message: "Parameter '_limit' is not supported on PATCH and DELETE; they change every row that matches the filters." });
      expect(await names()).toHaveLength(5);
    });
  });
});
