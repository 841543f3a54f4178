import { Injectable } from '@nestjs/common';
import { ErrorCode, RowsResponseDto, TransactionRequestDto, TransactionResponseDto, WriteResultDto } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ActiveDatabases } from '../active-databases';
import { DatabasePool } from '../pool/database-pool';
import { translateSqliteError } from '../sql-error.translator';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { BoundStatement, bindStatement } from '../statements/bound-statement';
import { resultLimitsOf } from '../../sqlite/result-limits';
import { runStatement } from './run-planned-statement';
import { refuseTransactionControl } from './request-rules';

type Result = RowsResponseDto | WriteResultDto;

/** Names the statement an error came from: `... (statement 2 of 3)`. */
function atStatement(error: unknown, index: number, total: number): unknown {
  const translated = translateSqliteError(error);
  if (!(translated instanceof DomainError)) return translated;
  return new DomainError(translated.code, `${translated.message} (statement ${index + 1} of ${total})`, translated.headers);
}

/**
 * Several statements as one transaction: all commit together or none does (group-committed like any
 * write, in its own savepoint), or, with `read_only`, one consistent snapshot read on a reader.
 */
@Injectable()
export class TransactionService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
  ) {}

  run(database: string, request: TransactionRequestDto, access: 'read' | 'read-write' = 'read-write'): Promise<TransactionResponseDto> {
    if (request.statements.length > this.config.maxStatements) {
      throw new DomainError(
        ErrorCode.TOO_MANY_STATEMENTS,
        `${request.statements.length} statements in one transaction; at most ${this.config.maxStatements} (DBFORGE_MAX_STATEMENTS).`,
      );
    }
    const statements = request.statements.map((statement, index) => {
      try {
        return bindStatement(statement.sql, statement.params);
      } catch (error) {
        throw atStatement(error, index, request.statements.length);
      }
    });
    const readOnly = request.read_only === true;
    if (access === 'read' && !readOnly) {
      // A read key may run a transaction only as a read snapshot, where every statement is checked.
      throw new DomainError(ErrorCode.INSUFFICIENT_SCOPE, 'This API key may only read; send "read_only": true.');
    }
    const sql = statements.map((statement) => statement.sql).join(';\n');
    return this.databases.use(database, async (pool) => {
      const results = await this.events.measure(
        { database, kind: readOnly ? 'read' : 'write', sql },
        () => (readOnly ? pool.read((connection) => this.snapshot(pool, connection, statements)) : pool.write((connection) => this.apply(pool, connection, statements), 'transaction')),
        (done) => ({
          rowsRead: done.reduce((sum, result) => sum + ('data' in result ? result.data.length : 0), 0),
          rowsWritten: readOnly ? 0 : done.reduce((sum, result) => sum + ('data' in result ? 0 : result.rows_affected), 0),
        }),
      );
      return { results };
    });
  }

  /** On the writer, inside the transaction the WriteBatcher opened: any failure undoes all of it. */
  private async apply(pool: DatabasePool, connection: SqliteConnection, statements: BoundStatement[]): Promise<Result[]> {
    const results: Result[] = [];
    for (const [index, statement] of statements.entries()) {
      try {
        const plan = await pool.planOn(connection, statement);
        refuseTransactionControl(plan);
        if (plan.outsideTransaction) throw new DomainError(ErrorCode.STATEMENT_NOT_ALLOWED, 'VACUUM cannot run inside a transaction; send it alone to /query.');
        results.push(await runStatement(connection, statement, plan, resultLimitsOf(this.config)));
      } catch (error) {
        throw atStatement(error, index, statements.length);
      }
    }
    return results;
  }

  /** On a reader, between BEGIN and COMMIT: every statement sees the same snapshot. */
  private async snapshot(pool: DatabasePool, connection: SqliteConnection, statements: BoundStatement[]): Promise<Result[]> {
    await connection.exec('BEGIN');
    try {
      const results: Result[] = [];
      for (const [index, statement] of statements.entries()) {
        try {
          const plan = await pool.planOn(connection, statement);
          refuseTransactionControl(plan);
          if (!plan.readOnly) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'A read_only transaction may only read; this statement writes or changes state.');
          results.push(await runStatement(connection, statement, plan, resultLimitsOf(this.config)));
        } catch (error) {
          throw atStatement(error, index, statements.length);
        }
      }
      return results;
    } finally {
      await connection.exec('COMMIT').catch(() => undefined);
    }
  }
}
