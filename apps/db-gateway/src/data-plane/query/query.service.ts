import { Injectable, StreamableFile } from '@nestjs/common';
import { ErrorCode, QueryRequestDto, RowsResponseDto, WriteResultDto } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { ActiveDatabases } from '../active-databases';
import { DatabasePool } from '../pool/database-pool';
import { GatewayConfig } from '../../config/gateway.config';
import { resultLimitsOf } from '../../sqlite/result-limits';
import { SqliteError } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { BoundStatement, bindStatement } from '../statements/bound-statement';
import { readKeyWriting, refuseTransactionControl } from './request-rules';
import { runStatement } from './run-planned-statement';
import { StatementPlan } from '../statements/statement-plan';
import { RowFormat } from '../streaming/accept-format';
import { StreamedReads, StreamFormat } from '../streaming/streamed-reads.service';

/** Runs one raw SQL statement: reads on a reader, everything else through the database's writer queue. */
@Injectable()
export class QueryService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
    private readonly streams: StreamedReads,
  ) {}

  /** Runs the statement and answers in `format`: JSON (v1), or a read streamed as NDJSON or CSV. */
  respond(database: string, request: QueryRequestDto, access: 'read' | 'read-write', format: RowFormat): Promise<RowsResponseDto | WriteResultDto | StreamableFile> {
    return format === 'json' ? this.execute(database, request, access) : this.stream(database, request, format);
  }

  /**
   * A read whose rows go out as SQLite steps them, as fast as the client takes them: not capped by
   * DBFORGE_MAX_RESULT_ROWS (memory stays flat), each batch under the statement timeout. Only a
   * statement that reads rows can stream; a write is refused (406) before it runs.
   */
  async stream(database: string, request: QueryRequestDto, format: StreamFormat): Promise<StreamableFile> {
    const statement = bindStatement(request.sql, request.params);
    const { lease } = await this.databases.lease(database, async (pool) => {
      const plan = await pool.plan(statement);
      refuseTransactionControl(plan);
      if (!plan.readOnly || !plan.returnsRows) {
        throw new DomainError(
          ErrorCode.NOT_ACCEPTABLE,
          `Only a statement that reads rows can stream as ${format === 'csv' ? 'CSV' : 'NDJSON'}; send this one with Accept: application/json.`,
        );
      }
    });
    return this.streams.open(database, lease, statement.sql, (connection) => connection.cursor(statement.sql, statement.bindings), format);
  }

  /**
   * `access: 'read'` (a read key) may run only statements that read, and runs every one of them on a
   * read-only connection: should a plan ever be wrong, SQLite itself refuses the write.
   */
  execute(database: string, request: QueryRequestDto, access: 'read' | 'read-write' = 'read-write'): Promise<RowsResponseDto | WriteResultDto> {
    const statement = bindStatement(request.sql, request.params);
    return this.databases.use(database, async (pool) => {
      const plan = await pool.plan(statement);
      refuseTransactionControl(plan);
      if (access === 'read' && !plan.readOnly) throw readKeyWriting();
      const base = { database, sql: statement.sql };
      if (access === 'read' || (plan.readOnly && plan.returnsRows)) {
        const limits = resultLimitsOf(this.config);
        return this.events.measure(
          { ...base, kind: 'read' },
          () => pool.read((connection) => runStatement(connection, statement, plan, limits)).catch(async (error: unknown) => {
            if (!(error instanceof SqliteError && error.code === 'SQLITE_READONLY')) throw error;
            // The plan went stale under a concurrent schema change: a read key may not write; a
            // read-write key gets its statement run on the writer with a fresh plan.
            if (access === 'read') throw readKeyWriting();
            return this.write(pool, statement, await pool.plan(statement));
          }),
          (read) => ({ rowsRead: 'data' in read ? read.data.length : 0 }),
        );
      }
      return this.events.measure({ ...base, kind: 'write' }, () => this.write(pool, statement, plan), (result) =>
        'data' in result ? { rowsRead: result.data.length, rowsWritten: plan.readOnly ? 0 : result.rows_affected } : { rowsWritten: result.rows_affected },
      );
    });
  }

  private write(pool: DatabasePool, statement: BoundStatement, plan: StatementPlan): Promise<RowsResponseDto | WriteResultDto> {
    return pool.write((connection) => runStatement(connection, statement, plan, resultLimitsOf(this.config)), plan.outsideTransaction ? 'exclusive' : 'statement');
  }
}
