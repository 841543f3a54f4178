import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { ResultLimits, jsonSizeOf } from '../../sqlite/result-limits';
import { SqliteConnection, SqliteError, TabularResult } from '../../sqlite/sqlite.port';
import { ActiveDatabases } from '../active-databases';
import { PoolLease } from '../pool/connection-pool.service';
import { DatabasePool, HeldConnection } from '../pool/database-pool';
import { translateSqliteError } from '../sql-error.translator';
import { SqlWorkEvents } from '../sql-work.events';
import { BoundStatement, bindStatement } from '../statements/bound-statement';
import { scanSql } from '../statements/sql-scanner';
import { StatementPlan } from '../statements/statement-plan';
import { readKeyWriting } from '../query/request-rules';
import { HranaError, HranaProtocolError, HranaStmt, HranaStmtResult, decodeArguments, encodeValue } from './hrana';

export interface StreamLimits {
  result: ResultLimits;
  /** A transaction idle this long is rolled back. */
  idleMs: number;
  /** A transaction open this long is rolled back. */
  maxMs: number;
}

/** How a statement opens a transaction, read from its tokens: `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION] [READONLY]`. */
function beginOf(tokens: string[]): { readOnly: boolean; writes: boolean } | undefined {
  if (tokens[0] !== 'BEGIN') return undefined;
  return { readOnly: tokens.includes('READONLY'), writes: tokens.includes('IMMEDIATE') || tokens.includes('EXCLUSIVE') };
}

const EMPTY_RESULT: HranaStmtResult = { cols: [], rows: [], affected_row_count: 0, last_insert_rowid: null };

/** An error as Hrana carries it: SQLite's own message and code where SQLite raised it, else the gateway's code. */
export function hranaErrorOf(error: unknown): HranaError {
  if (error instanceof HranaProtocolError) return { message: error.message, code: 'ARGS_INVALID' };
  if (error instanceof SqliteError && !['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_AUTH', 'SQLITE_INTERRUPT'].includes(error.code)) {
    return { message: error.message, code: error.code };
  }
  const translated = translateSqliteError(error);
  if (!(translated instanceof DomainError)) throw translated;
  const message = translated.message.replace(/^SQL Error: /, '');
  if (translated.code === ErrorCode.SQL_ERROR) return { message, code: 'SQLITE_ERROR' };
  if (translated.code === ErrorCode.CONSTRAINT_VIOLATION) return { message, code: 'SQLITE_CONSTRAINT' };
  return { message, code: translated.code };
}

/** About the size of the rows in JSON, or undefined when they do not fit the limits (`tabular` keeps one row past them, the sign that there were more). */
function sizeWithin(result: TabularResult, limits: ResultLimits): number | undefined {
  if (result.rows.length > limits.maxRows) return undefined;
  let bytes = 0;
  for (const row of result.rows) {
    const named: Record<string, unknown> = {};
    result.columns.forEach((column, index) => (named[index in named ? `${column.name}:${index}` : column.name] = row[index]));
    bytes += jsonSizeOf(named as never);
    if (bytes > limits.maxBytes) return undefined;
  }
  return bytes;
}

function tooLarge(limits: ResultLimits): DomainError {
  return new DomainError(
    ErrorCode.RESULT_TOO_LARGE,
    `The results of this request pass ${limits.maxRows} rows or about ${limits.maxBytes} bytes (DBFORGE_MAX_RESULT_ROWS, DBFORGE_MAX_RESULT_BYTES, for all the results of one request together): page through them with LIMIT and a keyset (WHERE id > ?), or split the request.`,
  );
}

/** What is left for one HTTP request: statements (pipeline requests, batch steps and script statements together), rows and bytes of results. */
export interface RequestBudget {
  statements: number;
  rows: number;
  bytes: number;
  /** The configured totals, for the messages. */
  limits: { statements: number } & ResultLimits;
}

/**
 * One Hrana stream: the SQL texts it stored and, while a transaction is open, the connection that
 * transaction holds (the writer for a write transaction, a reader for a read one) with its pool
 * lease. Outside a transaction every statement runs as `POST /query` runs it: reads on a reader,
 * writes group-committed through the writer queue. A stream serves one request at a time.
 */
export class LibsqlStream {
  readonly sqlTexts = new Map<number, string>();

  /** The size of the SQL texts stored. */
  get storedBytes(): number {
    let bytes = 0;
    for (const sql of this.sqlTexts.values()) bytes += sql.length;
    return bytes;
  }
  private transaction?: { held: HeldConnection; lease: PoolLease; timers: NodeJS.Timeout[] };
  /** Why the stream can no longer be used (its transaction was rolled back by a limit or a prune). */
  ended?: string;
  /** An error rolled the open transaction back (ON CONFLICT ROLLBACK, an interrupt): why, until the client's ROLLBACK. */
  private rolledBack?: string;
  busy = false;
  lastUsed = Date.now();
  /** What the request being served may still use; set by the pipeline for each request. */
  budget?: RequestBudget;

  constructor(
    readonly database: string,
    /** Who opened it: only the same key may use its batons. */
    readonly owner: string,
    readonly access: 'read' | 'read-write',
    private readonly databases: ActiveDatabases,
    private readonly events: SqlWorkEvents,
    private readonly limits: StreamLimits,
  ) {}

  get inTransaction(): boolean {
    return this.transaction !== undefined;
  }

  /** The statement's text: given inline or stored earlier with store_sql. */
  sqlOf(source: { sql?: string; sql_id?: number }, where: string): string {
    if (typeof source.sql === 'string' && source.sql_id === undefined) return source.sql;
    if (source.sql === undefined && typeof source.sql_id === 'number') {
      const stored = this.sqlTexts.get(source.sql_id);
      if (stored === undefined) throw new HranaProtocolError(`${where}: no SQL text is stored under sql_id ${source.sql_id}`);
      return stored;
    }
    throw new HranaProtocolError(`${where}: give exactly one of sql and sql_id`);
  }

  async execute(stmt: HranaStmt, where: string): Promise<HranaStmtResult> {
    if (typeof stmt !== 'object' || stmt === null) throw new HranaProtocolError(`${where}: expected a statement object`);
    const sql = this.sqlOf(stmt, where);
    const statement = bindStatement(sql, decodeArguments(stmt, where) as never);
    const result = await this.run(statement);
    return stmt.want_rows === false ? { ...result, cols: [], rows: [] } : result;
  }

  /** Runs one checked statement in this stream, opening, using or closing its transaction. */
  async run(statement: BoundStatement): Promise<HranaStmtResult> {
    this.touch();
    if (this.budget && --this.budget.statements < 0) {
      throw new DomainError(ErrorCode.TOO_MANY_STATEMENTS, `More than ${this.budget.limits.statements} statements in one request (DBFORGE_MAX_STATEMENTS, requests, batch steps and script statements together).`);
    }
    // Only BEGIN and ROLLBACK are read past their first word (their kind; ROLLBACK TO).
    const tokens = statement.firstKeyword === 'BEGIN' || statement.firstKeyword === 'ROLLBACK' ? scanSql(statement.sql).tokens : [statement.firstKeyword];
    const begin = beginOf(tokens);
    if (this.transaction) return this.inTransaction_(statement, tokens);
    if (this.rolledBack) {
      // The client still believes its transaction open: nothing may run as if it were, until it ends it.
      const why = this.rolledBack;
      if (tokens[0] === 'ROLLBACK' && !tokens.includes('TO')) {
        this.rolledBack = undefined;
        return EMPTY_RESULT;
      }
      throw new SqliteError('SQLITE_ERROR', `the transaction was rolled back by an earlier error (${why}); end it with ROLLBACK`);
    }
    if (begin) return this.begin(statement, begin);
    return this.databases.use(this.database, async (pool) => {
      const plan = await pool.plan(statement);
      if (plan.controlsTransaction) {
        if (tokens[0] === 'SAVEPOINT') return this.begin(statement, { readOnly: false, writes: true });
        throw new SqliteError('SQLITE_ERROR', `cannot ${tokens[0] === 'ROLLBACK' ? 'rollback' : tokens[0] === 'RELEASE' ? 'release' : 'commit'} - no transaction is active`);
      }
      if (this.access === 'read' && !plan.readOnly) throw readKeyWriting();
      const base = { database: this.database, sql: statement.sql };
      if (plan.readOnly && (plan.returnsRows || this.access === 'read')) {
        return this.events.measure({ ...base, kind: 'read' }, () => pool.read((connection) => this.runOn(connection, statement, plan)), (result) => ({ rowsRead: result.rows.length }));
      }
      // A write returning rows runs in a savepoint of its own: should its rows not fit, it is undone whole.
      const mode = plan.outsideTransaction ? 'exclusive' : plan.returnsRows ? 'transaction' : 'statement';
      return this.events.measure({ ...base, kind: 'write' }, () => pool.write((connection) => this.runOn(connection, statement, plan), mode), (result) => ({
        rowsRead: result.rows.length,
        rowsWritten: plan.readOnly ? 0 : result.affected_row_count,
      }));
    });
  }

  /** A statement on the connection the open transaction holds: planned there (it sees the transaction's own schema changes). */
  private async inTransaction_(statement: BoundStatement, tokens: string[]): Promise<HranaStmtResult> {
    const { held, lease } = this.transaction!;
    const kind = held.kind === 'writer' ? 'write' : 'read';
    let failure: unknown;
    try {
      return await this.events.measure(
        { database: this.database, kind, sql: statement.sql },
        () =>
          held.run(async (connection) => {
            const plan = await lease.pool.planOn(connection, statement);
            if (this.access === 'read' && !plan.readOnly && !plan.controlsTransaction) throw readKeyWriting();
            if (plan.outsideTransaction) throw new DomainError(ErrorCode.STATEMENT_NOT_ALLOWED, 'VACUUM cannot run inside a transaction.');
            if (!plan.returnsRows || plan.readOnly) return this.runOn(connection, statement, plan);
            // A write returning rows: undone alone should its rows not fit.
            await connection.exec('SAVEPOINT dbforge_statement');
            try {
              const result = await this.runOn(connection, statement, plan);
              await connection.exec('RELEASE dbforge_statement');
              return result;
            } catch (error) {
              await connection.exec('ROLLBACK TO dbforge_statement; RELEASE dbforge_statement').catch(() => undefined);
              throw error;
            }
          }),
        (result) => ({ rowsRead: result.rows.length, rowsWritten: kind === 'write' ? result.affected_row_count : 0 }),
      );
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // COMMIT, ROLLBACK, the last RELEASE, or an error that rolled the transaction back: it is over.
      if (this.transaction && (await this.transactionEnded(held))) {
        await this.endTransaction();
        const ending = ['COMMIT', 'END', 'ROLLBACK', 'RELEASE'].includes(tokens[0]);
        if (failure !== undefined && !ending) this.rolledBack = hranaErrorOf(failure).message;
      }
    }
  }

  private async begin(statement: BoundStatement, begin: { readOnly: boolean; writes: boolean }): Promise<HranaStmtResult> {
    const readOnly = begin.readOnly || (this.access === 'read' && !begin.writes);
    if (this.access === 'read' && !readOnly) throw readKeyWriting();
    const { lease, prepared: held } = await this.databases.lease(this.database, (pool: DatabasePool) => (readOnly ? pool.holdReader() : pool.holdWriter()));
    try {
      // `BEGIN TRANSACTION READONLY` is libSQL's: on a read-only connection a plain BEGIN is the same.
      await held.run((connection) => connection.exec(begin.readOnly ? 'BEGIN' : statement.sql));
    } catch (error) {
      await held.release();
      lease.release();
      throw error;
    }
    const timers = [
      setTimeout(() => void this.expire(`the transaction was rolled back: it ran longer than ${this.limits.maxMs} ms (DBFORGE_TRANSACTION_MAX_MS)`), this.limits.maxMs),
    ];
    this.transaction = { held, lease, timers };
    held.onAbort((reason) => {
      this.ended ??= `the transaction was rolled back: ${reason.message}`;
      void this.endTransaction();
    });
    this.touch();
    return EMPTY_RESULT;
  }

  /** Restarts the idle limit of an open transaction. */
  touch(): void {
    this.lastUsed = Date.now();
    const transaction = this.transaction;
    if (!transaction) return;
    clearTimeout(transaction.timers[1]);
    transaction.timers[1] = setTimeout(
      () => void (this.busy ? undefined : this.expire(`the transaction was rolled back: it stayed idle longer than ${this.limits.idleMs} ms (DBFORGE_TRANSACTION_IDLE_MS)`)),
      this.limits.idleMs,
    );
  }

  /** Rolls the transaction back for `why`; the stream's batons are refused from now on. */
  async expire(why: string): Promise<void> {
    if (!this.transaction) return;
    this.ended ??= why;
    this.transaction.held.interrupt();
    await this.endTransaction();
  }

  /** Ends the stream: an open transaction is rolled back. */
  async close(): Promise<void> {
    await this.endTransaction();
    this.sqlTexts.clear();
  }

  private async endTransaction(): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) return;
    this.transaction = undefined;
    transaction.timers.forEach(clearTimeout);
    await transaction.held.release();
    transaction.lease.release();
  }

  /** Outside a transaction `BEGIN` succeeds (and is undone at once); inside one it fails. */
  private async transactionEnded(held: HeldConnection): Promise<boolean> {
    try {
      return await held.run(async (connection) => {
        try {
          await connection.exec('BEGIN');
        } catch {
          return false;
        }
        await connection.exec('ROLLBACK');
        return true;
      });
    } catch {
      return true; // the connection is gone
    }
  }

  /** Runs a planned statement and shapes its result: columns and rows, or what it changed. */
  private async runOn(connection: SqliteConnection, statement: BoundStatement, plan: StatementPlan): Promise<HranaStmtResult> {
    const budget = this.budget;
    const limits = budget ? { maxRows: Math.max(0, budget.rows), maxBytes: Math.max(0, budget.bytes) } : this.limits.result;
    if (plan.returnsRows) {
      const result = await connection.tabular(statement.sql, statement.bindings, limits);
      const bytes = sizeWithin(result, limits);
      if (bytes === undefined) throw tooLarge(budget?.limits ?? limits);
      if (budget) {
        budget.rows -= result.rows.length;
        budget.bytes -= bytes;
      }
      const rows = result.rows.map((row) => row.map(encodeValue));
      const cols = result.columns.map(({ name, decltype }) => ({ name, decltype }));
      if (plan.readOnly) return { cols, rows, affected_row_count: 0, last_insert_rowid: null };
      const [counts] = await connection.all('SELECT changes() AS changes, last_insert_rowid() AS id');
      return { cols, rows, affected_row_count: Number(counts.changes), last_insert_rowid: String(counts.id) };
    }
    if (plan.outsideTransaction) {
      await connection.vacuum(statement.sql);
      return EMPTY_RESULT;
    }
    if (plan.controlsTransaction) {
      await connection.exec(statement.sql);
      return EMPTY_RESULT;
    }
    const result = await connection.run(statement.sql, statement.bindings);
    const counted = !plan.readOnly && !plan.changesSchema;
    return { cols: [], rows: [], affected_row_count: counted ? result.changes : 0, last_insert_rowid: counted ? String(result.lastInsertId) : null };
  }
}
