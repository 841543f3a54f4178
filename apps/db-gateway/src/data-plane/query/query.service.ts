import { Injectable } from '@nestjs/common';
import { ErrorCode, QueryRequestDto, RowsResponseDto, WriteResultDto } from '@dbforge/contracts';
import { CatalogService } from '../../catalog/catalog.service';
import { DomainError } from '../../common/domain.error';
import { ConnectionPoolService } from '../pool/connection-pool.service';
import { DatabasePool } from '../pool/database-pool';
import { GatewayConfig } from '../../config/gateway.config';
import { cappedRows } from '../row-encoding';
import { StatementEvents } from '../statement-events';
import { withSqlErrors } from '../sql-error.translator';
import { BoundStatement, bindStatement } from '../statements/bound-statement';
import { StatementPlan } from '../statements/statement-plan';

/** Runs one raw SQL statement: reads on a reader, everything else through the database's writer queue. */
@Injectable()
export class QueryService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly pools: ConnectionPoolService,
    private readonly config: GatewayConfig,
    private readonly events: StatementEvents,
  ) {}

  /** `access: 'read'` (a read key) may run only statements that read. */
  execute(database: string, request: QueryRequestDto, access: 'read' | 'read-write' = 'read-write'): Promise<RowsResponseDto | WriteResultDto> {
    const statement = bindStatement(request.sql, request.params);
    this.catalog.requireActive(database);
    return withSqlErrors(() =>
      this.pools.use(database, async (pool) => {
        const plan = await pool.plan(statement.sql, statement.firstKeyword);
        if (plan.controlsTransaction) {
          throw new DomainError(
            ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED,
            'SQL Error: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not accepted: each request is its own transaction, and the rows endpoint inserts many rows atomically.',
          );
        }
        if (access === 'read' && !plan.readOnly) {
          throw new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'This API key may only read; the statement writes or changes state.');
        }
        const base = { database, sql: statement.sql };
        if (plan.readOnly && plan.returnsRows) {
          const max = this.config.maxResultRows;
          const rows = await this.events.measure({ ...base, kind: 'read' }, () => pool.read((connection) => connection.all(statement.sql, statement.bindings, max)), (read) => ({ rowsRead: read.length }));
          return cappedRows(rows, max);
        }
        return this.events.measure({ ...base, kind: 'write' }, () => this.write(pool, statement, plan), (result) =>
          'data' in result ? { rowsRead: result.data.length, rowsWritten: plan.readOnly ? 0 : result.rows_affected } : { rowsWritten: result.rows_affected },
        );
      }),
    );
  }

  private write(pool: DatabasePool, statement: BoundStatement, plan: StatementPlan): Promise<RowsResponseDto | WriteResultDto> {
    return pool.write(async (connection) => {
      if (plan.returnsRows) {
        const rows = cappedRows(await connection.all(statement.sql, statement.bindings, this.config.maxResultRows), this.config.maxResultRows);
        const [counts] = await connection.all('SELECT changes() AS changes, last_insert_rowid() AS id');
        return { ...rows, rows_affected: plan.readOnly ? rows.rows_affected : Number(counts.changes), last_insert_id: Number(counts.id) };
      }
      if (plan.outsideTransaction) {
        await connection.vacuum(statement.sql);
        return { message: 'Query executed successfully.', rows_affected: 0, last_insert_id: 0 };
      }
      const result = await connection.run(statement.sql, statement.bindings);
      // sqlite3_changes() keeps the count of the last INSERT/UPDATE/DELETE; DDL and pragmas changed no rows.
      const counted = !plan.readOnly && !plan.changesSchema;
      return { message: 'Query executed successfully.', rows_affected: counted ? result.changes : 0, last_insert_id: result.lastInsertId };
    }, plan.outsideTransaction ? 'exclusive' : 'statement');
  }
}
