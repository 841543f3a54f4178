import { Injectable } from '@nestjs/common';
import {
  CreateTableRequestDto,
  CreateTableResponseDto,
  ErrorCode,
  InsertRowsResponseDto,
  Row,
  RowsResponseDto,
} from '@dbforge/contracts';
import { CatalogService } from '../../catalog/catalog.service';
import { DomainError } from '../../common/domain.error';
import { ConnectionPoolService } from '../pool/connection-pool.service';
import { GatewayConfig } from '../../config/gateway.config';
import { cappedRows, resultLimitsOf } from '../row-encoding';
import { StatementEvents } from '../statement-events';
import { withSqlErrors } from '../sql-error.translator';
import { SqliteConnection } from '../sqlite/sqlite.port';
import { toBindable } from '../statements/bound-statement';
import { createTableSql, quoteIdentifier } from './sql-identifiers';
import { columnsOf, requireColumns } from './table-schema';

/** The convenience endpoints: create a table, insert rows, read rows with equality filters. */
@Injectable()
export class TablesService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly pools: ConnectionPoolService,
    private readonly config: GatewayConfig,
    private readonly events: StatementEvents,
  ) {}

  createTable(database: string, request: CreateTableRequestDto): Promise<CreateTableResponseDto> {
    const sql = createTableSql(request.table_name, request.columns);
    this.catalog.requireActive(database);
    return withSqlErrors(() =>
      this.pools
        .use(database, (pool) => this.events.measure({ database, kind: 'write', sql }, () => pool.write((connection) => connection.run(sql)), () => ({})))
        .then(() => ({ message: `Table '${request.table_name}' created successfully.` })),
    );
  }

  /** All rows in one transaction: every row is inserted or none is. */
  insertRows(database: string, table: string, rows: Row[]): Promise<InsertRowsResponseDto> {
    if (rows.length === 0) throw new DomainError(ErrorCode.NO_ROWS_PROVIDED, 'No rows provided.');
    if (rows.length > this.config.maxStatements) {
      throw new DomainError(
        ErrorCode.TOO_MANY_STATEMENTS,
        `${rows.length} rows in one request; at most ${this.config.maxStatements} (DBFORGE_MAX_STATEMENTS). Split the insert.`,
      );
    }
    this.catalog.requireActive(database);
    return withSqlErrors(() =>
      this.pools.use(database, (pool) =>
        this.events.measure(
          { database, kind: 'write', sql: `INSERT INTO ${quoteIdentifier(table)} (rows endpoint)` },
          () =>
            pool.write(async (connection) => {
              const columns = await columnsOf(connection, table);
              for (const row of rows) requireColumns(columns, Object.keys(row), table);
              for (const row of rows) await this.insertRow(connection, table, row);
              return { message: 'Rows inserted successfully.', rows_affected: rows.length };
            }, 'transaction'),
          (result) => ({ rowsWritten: result.rows_affected }),
        ),
      ),
    );
  }

  /** Rows of `table` whose columns equal the given values; every filter must name a real column. */
  readRows(database: string, table: string, filters: Record<string, unknown>): Promise<RowsResponseDto> {
    const entries = Object.entries(filters).map(([column, value]): [string, string] => {
      if (typeof value !== 'string') {
        throw new DomainError(ErrorCode.VALIDATION_FAILED, `Filter '${column}' must be given once, as column=value.`);
      }
      return [column, value];
    });
    this.catalog.requireActive(database);
    return withSqlErrors(() =>
      this.pools.use(database, (pool) => {
        const where = entries.length > 0 ? ` WHERE ${entries.map(([column]) => `${quoteIdentifier(column)} = ?`).join(' AND ')}` : '';
        const sql = `SELECT * FROM ${quoteIdentifier(table)}${where}`;
        const limits = resultLimitsOf(this.config);
        return this.events.measure(
          { database, kind: 'read', sql },
          () =>
            pool.read(async (connection) => {
              requireColumns(await columnsOf(connection, table), entries.map(([column]) => column), table);
              return cappedRows(await connection.all(sql, entries.map(([, value]) => value), limits), limits);
            }),
          (result) => ({ rowsRead: result.data.length }),
        );
      }),
    );
  }

  private async insertRow(connection: SqliteConnection, table: string, row: Row): Promise<void> {
    const names = Object.keys(row);
    if (names.length === 0) {
      await connection.run(`INSERT INTO ${quoteIdentifier(table)} DEFAULT VALUES`);
      return;
    }
    const sql = `INSERT INTO ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
    await connection.run(sql, names.map((name) => toBindable(row[name])));
  }
}
