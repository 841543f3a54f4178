import { Injectable, StreamableFile } from '@nestjs/common';
import { ErrorCode, RowsResponseDto, UpdateRowsRequestDto, WriteRowsResponseDto } from '@dbforge/contracts';
import { GatewayConfig } from '../../config/gateway.config';
import { ActiveDatabases } from '../active-databases';
import { resultLimitsOf } from '../../sqlite/result-limits';
import { encodeRows, truncationNote } from '../json-rows';
import { SqlWorkEvents } from '../sql-work.events';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { RowsQuery, TableShape, parseRowsQuery } from './rows-query';
import { RowsStatement, buildRowsCount, buildRowsDelete, buildRowsSelect, buildRowsUpdate, pageOf } from './rows-sql';
import { quoteIdentifier } from './sql-identifiers';
import { tableShapeOf } from './table-shape';
import { DomainError } from '../../common/domain.error';
import { RowFormat } from '../streaming/accept-format';
import { StreamedReads, StreamFormat } from '../streaming/streamed-reads.service';
import { KeysetRowsCursor } from './keyset-rows.cursor';

/** The rows API on /tables/{table}/rows: filtered, ordered, paged reads; filtered updates and deletes. */
@Injectable()
export class RowsService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
    private readonly streams: StreamedReads,
  ) {}

  /** A read answered in `format`: JSON (paged, capped), or every matching row streamed as NDJSON or CSV. */
  respond(database: string, table: string, params: Record<string, unknown>, format: RowFormat): Promise<RowsResponseDto | StreamableFile> {
    return format === 'json' ? this.read(database, table, params) : this.stream(database, table, params, format);
  }

  /**
   * Every row the filters match (up to `_limit` when given, from `_offset` or `_after`), streamed in
   * keyset pages of one read transaction: not capped by the result limits, memory flat.
   */
  async stream(database: string, table: string, params: Record<string, unknown>, format: StreamFormat): Promise<StreamableFile> {
    const {
      lease,
      prepared: [shape, query],
    } = await this.databases.lease(database, async (pool) => {
      const [found, parsed] = await pool.read(async (connection): Promise<[TableShape, RowsQuery]> => {
        const shapeFound = await tableShapeOf(connection, table);
        return [shapeFound, parseRowsQuery(params, shapeFound, 'read', Number.MAX_SAFE_INTEGER)];
      });
      if (parsed.count) throw new DomainError(ErrorCode.VALIDATION_FAILED, '_count=true is not available on a streamed read; ask with Accept: application/json.');
      return [found, parsed] as const;
    });
    const label = `SELECT * FROM ${quoteIdentifier(table)} (rows endpoint, streamed)`;
    return this.streams.open(
      database,
      lease,
      label,
      (connection) => {
        if (shape.rowKey.length > 0) return new KeysetRowsCursor(connection, shape, query);
        const select = buildRowsSelect(shape, query, query.limit ?? Number.MAX_SAFE_INTEGER); // a view: one statement, stepped
        return connection.cursor(select.sql, select.bindings.slice(0, -2).concat([query.limit ?? -1, query.offset ?? 0]));
      },
      format,
    );
  }

  read(database: string, table: string, params: Record<string, unknown>): Promise<RowsResponseDto> {
    const limits = resultLimitsOf(this.config);
    return this.databases.use(database, (pool) =>
      this.events.measure(
        { database, kind: 'read', sql: `SELECT * FROM ${quoteIdentifier(table)} (rows endpoint)` },
        () =>
          pool.read(async (connection) => {
            const shape = await tableShapeOf(connection, table);
            const query = parseRowsQuery(params, shape, 'read', limits.maxRows);
            const select = buildRowsSelect(shape, query, limits.maxRows);
            const fetched = await connection.all(select.sql, select.bindings, { maxRows: select.limit, maxBytes: limits.maxBytes });
            const page = pageOf(select, shape, query, fetched, limits.maxBytes);
            const response: RowsResponseDto = { data: encodeRows(page.rows), rows_affected: page.rows.length };
            // Without _limit the page is cut by the result limits: answer as v1 did (truncated + message).
            if (query.limit === undefined && page.more) Object.assign(response, { truncated: true, message: truncationNote(page.rows.length, limits) });
            // A paging request always hears `more`; a plain (v1-style) read only when rows remain, so v1 bodies stay as they were.
            if (page.more || query.limit !== undefined || query.offset !== undefined || query.after !== undefined || query.count) response.more = page.more;
            if (page.nextCursor) response.next_cursor = page.nextCursor;
            if (query.count) response.matched = await this.count(connection, shape, query);
            return response;
          }),
        (result) => ({ rowsRead: result.data.length }),
      ),
    );
  }

  update(database: string, table: string, params: Record<string, unknown>, request: UpdateRowsRequestDto): Promise<WriteRowsResponseDto> {
    return this.write(database, table, params, { verb: 'UPDATE', message: 'Rows updated successfully.' }, (shape, query) => buildRowsUpdate(shape, query, request.set));
  }

  delete(database: string, table: string, params: Record<string, unknown>): Promise<WriteRowsResponseDto> {
    return this.write(database, table, params, { verb: 'DELETE FROM', message: 'Rows deleted successfully.' }, buildRowsDelete);
  }

  private async count(connection: SqliteConnection, shape: TableShape, query: RowsQuery): Promise<number> {
    const count = buildRowsCount(shape, query);
    const [row] = await connection.all(count.sql, count.bindings);
    return Number(row.matched);
  }

  private write(
    database: string,
    table: string,
    params: Record<string, unknown>,
    { verb, message }: { verb: string; message: string },
    build: (shape: TableShape, query: RowsQuery) => RowsStatement,
  ): Promise<WriteRowsResponseDto> {
    return this.databases.use(database, (pool) =>
      this.events.measure(
        { database, kind: 'write', sql: `${verb} ${quoteIdentifier(table)} (rows endpoint)` },
        () =>
          pool.write(async (connection) => {
            const shape = await tableShapeOf(connection, table);
            const statement = build(shape, parseRowsQuery(params, shape, 'write', this.config.maxResultRows));
            const result = await connection.run(statement.sql, statement.bindings);
            return { message, rows_affected: result.changes };
          }, 'transaction'),
        (result) => ({ rowsWritten: result.rows_affected }),
      ),
    );
  }
}
