import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { resultLimitsOf } from '../../sqlite/result-limits';
import { ActiveDatabases } from '../active-databases';
import { SqlWorkEvents } from '../sql-work.events';
import { bindStatement } from '../statements/bound-statement';
import { scanSql, splitStatements } from '../statements/sql-scanner';
import {
  HranaBatchResult,
  HranaDescribeResult,
  HranaError,
  HranaProtocolError,
  HranaRequest,
  HranaResponse,
  HranaResult,
  PipelineResponse,
  conditionHolds,
  readPipelineRequest,
} from './hrana';
import { LibsqlStream, StreamLimits, hranaErrorOf } from './libsql-stream';

/** Streams kept at most (each is small; one with an open transaction holds a connection). */
const MAX_STREAMS = 10_000;
/** Streams one key (or the admin, or everyone in open mode) may hold; past it, its oldest stream without a transaction is dropped. */
const MAX_STREAMS_PER_CALLER = 100;
/** SQL texts one stream may store (store_sql), and their total size. */
const MAX_STORED_SQL = 1_000;
const MAX_STORED_SQL_BYTES = 1024 * 1024;
/** How many refused batons keep their reason, so that a late client learns why. */
const REMEMBERED_ENDINGS = 1_000;

export interface PipelineCaller {
  database: string;
  /** Who calls: `admin`, `open` or `key:<id>`; a baton serves only the caller that opened its stream. */
  owner: string;
  access: 'read' | 'read-write';
}

/**
 * Hrana over HTTP (v2): runs each pipeline's requests in order on its stream. A stream lives across
 * requests by its baton, which changes with every response (a baton is good for one request), is
 * unguessable (192 random bits) and serves only the key that opened the stream. Streams with an
 * open transaction are bounded by DBFORGE_TRANSACTION_IDLE_MS and DBFORGE_TRANSACTION_MAX_MS; a
 * stream without one is forgotten once idle as long.
 */
@Injectable()
export class LibsqlPipelines implements OnApplicationShutdown {
  private readonly streams = new Map<string, LibsqlStream>();
  private readonly endings = new Map<string, string>();
  private readonly limits: StreamLimits;
  private readonly sweeper: NodeJS.Timeout;
  private readonly logger = new Logger('libSQL');

  constructor(
    private readonly databases: ActiveDatabases,
    private readonly events: SqlWorkEvents,
    private readonly config: GatewayConfig,
  ) {
    this.limits = { result: resultLimitsOf(config), idleMs: config.transactionIdleMs, maxMs: config.transactionMaxMs };
    this.sweeper = setInterval(() => this.sweep(), Math.min(config.transactionIdleMs, 5_000));
    this.sweeper.unref();
  }

  /** Open streams (for metrics and tests). */
  get openStreams(): number {
    return this.streams.size;
  }

  async pipeline(caller: PipelineCaller, body: unknown): Promise<PipelineResponse> {
    let request: ReturnType<typeof readPipelineRequest>;
    try {
      request = readPipelineRequest(body, this.config.maxStatements);
    } catch (error) {
      throw error instanceof HranaProtocolError ? new DomainError(ErrorCode.LIBSQL_PROTOCOL_ERROR, error.message) : error;
    }
    const stream = request.baton === null ? this.open(caller) : this.take(request.baton, caller);
    stream.busy = true;
    const { maxRows, maxBytes } = this.limits.result;
    stream.budget = { statements: this.config.maxStatements, rows: maxRows, bytes: maxBytes, limits: { statements: this.config.maxStatements, maxRows, maxBytes } };
    const results: HranaResult[] = [];
    let closed = false;
    try {
      for (const [index, item] of request.requests.entries()) {
        if (closed) {
          results.push({ type: 'error', error: { message: `requests[${index}]: the stream was closed by an earlier request`, code: 'STREAM_CLOSED' } });
          continue;
        }
        if (stream.ended) {
          results.push({ type: 'error', error: { message: stream.ended, code: 'STREAM_EXPIRED' } });
          continue;
        }
        if (item.type === 'close') {
          await stream.close();
          closed = true;
          results.push({ type: 'ok', response: { type: 'close' } });
          continue;
        }
        results.push(await this.answer(stream, item, `requests[${index}]`));
      }
    } finally {
      stream.busy = false;
      stream.budget = undefined;
      stream.touch();
    }
    if (closed) return { baton: null, base_url: null, results };
    // A stream that ended (its transaction rolled back by a limit) still gets a baton: a null one would
    // let the client go on in a new stream, outside the transaction it believes open; this one is
    // refused with the reason.
    return { baton: this.keep(stream), base_url: null, results };
  }

  private async answer(stream: LibsqlStream, request: HranaRequest, where: string): Promise<HranaResult> {
    try {
      return { type: 'ok', response: await this.respond(stream, request, where) };
    } catch (error) {
      return { type: 'error', error: this.errorOf(error) };
    }
  }

  /** A failure as a result of its request: the stream (and its baton, and its transaction) survives even an unexpected one. */
  private errorOf(error: unknown): HranaError {
    try {
      return hranaErrorOf(error);
    } catch (unexpected) {
      this.logger.error(`libSQL request failed: ${unexpected instanceof Error ? (unexpected.stack ?? unexpected.message) : String(unexpected)}`);
      return { message: 'Internal server error.', code: ErrorCode.INTERNAL_ERROR };
    }
  }

  private async respond(stream: LibsqlStream, request: HranaRequest, where: string): Promise<HranaResponse> {
    switch (request.type) {
      case 'execute':
        return { type: 'execute', result: await stream.execute(request.stmt, `${where}.stmt`) };
      case 'batch':
        return { type: 'batch', result: await this.batch(stream, request.batch, `${where}.batch`) };
      case 'sequence': {
        const statements = splitStatements(stream.sqlOf(request, where));
        if (statements.length > this.config.maxStatements) throw new HranaProtocolError(`${where}: more than ${this.config.maxStatements} statements (DBFORGE_MAX_STATEMENTS)`);
        // Every statement passes the statement policy before the first one runs.
        const bound = statements.map((sql) => bindStatement(sql, undefined));
        for (const statement of bound) {
          if (stream.ended) throw new DomainError(ErrorCode.LIBSQL_STREAM_EXPIRED, stream.ended);
          await stream.run(statement);
        }
        return { type: 'sequence' };
      }
      case 'describe':
        return { type: 'describe', result: await this.describe(stream, stream.sqlOf(request, where)) };
      case 'store_sql': {
        if (typeof request.sql_id !== 'number' || typeof request.sql !== 'string') throw new HranaProtocolError(`${where}: store_sql takes sql_id and sql`);
        if (stream.sqlTexts.has(request.sql_id)) throw new HranaProtocolError(`${where}: sql_id ${request.sql_id} is already in use`);
        if (stream.sqlTexts.size >= MAX_STORED_SQL) throw new HranaProtocolError(`${where}: at most ${MAX_STORED_SQL} stored SQL texts per stream`);
        if (stream.storedBytes + request.sql.length > MAX_STORED_SQL_BYTES) throw new HranaProtocolError(`${where}: at most ${MAX_STORED_SQL_BYTES} bytes of stored SQL per stream`);
        stream.sqlTexts.set(request.sql_id, request.sql);
        return { type: 'store_sql' };
      }
      case 'close_sql':
        stream.sqlTexts.delete(request.sql_id);
        return { type: 'close_sql' };
      case 'get_autocommit':
        return { type: 'get_autocommit', is_autocommit: !stream.inTransaction };
      default:
        throw new HranaProtocolError(`${where}: unknown request type`);
    }
  }

  /** Steps in order, each run only when its condition holds on the outcomes of the steps before it. */
  private async batch(stream: LibsqlStream, batch: unknown, where: string): Promise<HranaBatchResult> {
    const steps = (batch as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) throw new HranaProtocolError(`${where}.steps: expected an array`);
    if (steps.length > this.config.maxStatements) throw new HranaProtocolError(`${where}.steps: more than ${this.config.maxStatements} steps (DBFORGE_MAX_STATEMENTS)`);
    const outcomes: ('ok' | 'error' | undefined)[] = [];
    const result: HranaBatchResult = { step_results: [], step_errors: [] };
    for (const [index, step] of (steps as { condition?: unknown; stmt: unknown }[]).entries()) {
      const at = `${where}.steps[${index}]`;
      if (typeof step !== 'object' || step === null || Array.isArray(step)) throw new HranaProtocolError(`${at}: expected {stmt, condition}`);
      const condition = step?.condition;
      const runs = condition === undefined || condition === null || conditionHolds(condition, outcomes, !stream.inTransaction, `${at}.condition`);
      if (!runs || stream.ended) {
        outcomes.push(undefined);
        result.step_results.push(null);
        result.step_errors.push(null);
        continue;
      }
      try {
        result.step_results.push(await stream.execute(step.stmt as never, `${at}.stmt`));
        result.step_errors.push(null);
        outcomes.push('ok');
      } catch (error) {
        result.step_results.push(null);
        result.step_errors.push(hranaErrorOf(error));
        outcomes.push('error');
      }
    }
    return result;
  }

  /** What a statement takes and gives, without running it. */
  private async describe(stream: LibsqlStream, sql: string): Promise<HranaDescribeResult> {
    const statement = bindStatement(sql, undefined);
    const scanned = scanSql(sql);
    const [plan, cols] = await this.databases.use(stream.database, (pool) => Promise.all([pool.plan(statement), pool.read((connection) => connection.columnsOf(sql))]));
    const positional = Math.max(scanned.highestNumbered, scanned.anonymousCount);
    const params = scanned.names.length > 0 ? scanned.names.map((name) => ({ name })) : Array.from({ length: positional }, () => ({ name: null }));
    return { params, cols, is_explain: statement.firstKeyword === 'EXPLAIN', is_readonly: plan.readOnly };
  }

  private open(caller: PipelineCaller): LibsqlStream {
    const own = this.streams.size >= MAX_STREAMS_PER_CALLER ? [...this.streams].filter(([, stream]) => stream.owner === caller.owner) : [];
    if (own.length >= MAX_STREAMS_PER_CALLER) {
      // One caller cannot crowd out the others: its least recently used stream without a transaction goes.
      const [baton, oldest] = own.filter(([, stream]) => !stream.inTransaction).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0] ?? [];
      if (!baton || !oldest) {
        throw new DomainError(ErrorCode.DATABASE_BUSY, `This key holds ${MAX_STREAMS_PER_CALLER} open libSQL transactions; commit or roll some back and retry.`, { 'Retry-After': '1' });
      }
      this.streams.delete(baton);
      this.remember(baton, `this key opened more than ${MAX_STREAMS_PER_CALLER} streams and this one was the least recently used`);
      void oldest.close();
    }
    if (this.streams.size >= MAX_STREAMS) {
      this.sweep();
      if (this.streams.size >= MAX_STREAMS) {
        throw new DomainError(ErrorCode.DATABASE_BUSY, `${MAX_STREAMS} libSQL streams are open; close some (a pipeline ending with "close") and retry.`, { 'Retry-After': '1' });
      }
    }
    return new LibsqlStream(caller.database, caller.owner, caller.access, this.databases, this.events, this.limits);
  }

  /** The stream of `baton`, which is spent: the response brings the next one. */
  private take(baton: string, caller: PipelineCaller): LibsqlStream {
    const stream = this.streams.get(baton);
    if (!stream || stream.owner !== caller.owner || stream.database !== caller.database) {
      const why = this.endings.get(baton);
      throw new DomainError(
        ErrorCode.LIBSQL_STREAM_EXPIRED,
        why ? `The stream of this baton has ended: ${why}.` : 'Unknown baton: it was already used, has expired, or belongs to another key or database. Start a new stream (baton null).',
      );
    }
    this.streams.delete(baton);
    if (stream.ended) {
      void stream.close();
      throw new DomainError(ErrorCode.LIBSQL_STREAM_EXPIRED, `The stream of this baton has ended: ${stream.ended}.`);
    }
    return stream;
  }

  private keep(stream: LibsqlStream): string {
    const baton = randomBytes(24).toString('base64url');
    this.streams.set(baton, stream);
    return baton;
  }

  /** Forgets idle streams (their transactions are rolled back by their own timers) and ended ones, remembering why for a while. */
  private sweep(): void {
    const now = Date.now();
    for (const [baton, stream] of this.streams) {
      const idle = !stream.inTransaction && now - stream.lastUsed >= this.limits.idleMs;
      if (!stream.ended && !idle) continue;
      this.streams.delete(baton);
      this.remember(baton, stream.ended ?? `it stayed idle longer than ${this.limits.idleMs} ms (DBFORGE_TRANSACTION_IDLE_MS)`);
      void stream.close();
    }
  }

  private remember(baton: string, why: string): void {
    this.endings.set(baton, why);
    if (this.endings.size > REMEMBERED_ENDINGS) this.endings.delete(this.endings.keys().next().value as string);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(streams.map((stream) => stream.close()));
  }
}
