import { Injectable } from '@nestjs/common';
import {
  CreateTableRequestDto,
  CreateTableResponseDto,
  ErrorCode,
  InsertRowsResponseDto,
  OnConflictDto,
  Row,
} from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { ActiveDatabases } from '../active-databases';
import { GatewayConfig } from '../../config/gateway.config';
import { SqlWorkEvents } from '../sql-work.events';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { toBindable } from '../statements/bound-statement';
import { createTableSql, quoteIdentifier } from './sql-identifiers';
import { columnsOf, requireColumns } from './table-schema';

/** The convenience endpoints: create a table, insert (or upsert) rows. Reads, updates and deletes of rows: RowsService. */
@Injectable()
export class TablesService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly config: GatewayConfig,
    private readonly events: SqlWorkEvents,
  ) {}

  createTable(database: string, request: CreateTableRequestDto): Promise<CreateTableResponseDto> {
    const sql = createTableSql(request.table_name, request.columns);
    return this.databases
      .use(database, (pool) => this.events.measure({ database, kind: 'write', sql }, () => pool.write((connection) => connection.run(sql)), () => ({})))
      .then(() => ({ message: `Table '${request.table_name}' created successfully.` }));
  }

  /** All rows in one transaction: every row is inserted or none is. */
  insertRows(database: string, table: string, rows: Row[], onConflict?: OnConflictDto): Promise<InsertRowsResponseDto> {
    if (rows.length === 0) throw new DomainError(ErrorCode.NO_ROWS_PROVIDED, 'No rows provided.');
    if (rows.length > this.config.maxStatements) {
      throw new DomainError(
        ErrorCode.TOO_MANY_STATEMENTS,
        `${rows.length} rows in one request; at most ${this.config.maxStatements} (DBFORGE_MAX_STATEMENTS). Split the insert.`,
      );
    }
    return this.databases.use(database, (pool) =>
      this.events.measure(
        { database, kind: 'write', sql: `INSERT INTO ${quoteIdentifier(table)} (rows endpoint)` },
        () =>
          pool.write(async (connection) => {
            const columns = await columnsOf(connection, table);
            for (const row of rows) requireColumns(columns, Object.keys(row), table);
            if (onConflict) return { message: 'Rows inserted successfully.', rows_affected: await this.upsertRows(connection, table, rows, columns, onConflict) };
            for (const row of rows) await this.insertRow(connection, table, row);
            return { message: 'Rows inserted successfully.', rows_affected: rows.length };
          }, 'transaction'),
        (result) => ({ rowsWritten: result.rows_affected }),
      ),
    );
  }

  /** `INSERT ... ON CONFLICT (target) DO UPDATE SET c = excluded.c` (or `DO NOTHING`); the count of rows inserted or updated. */
  private async upsertRows(connection: SqliteConnection, table: string, rows: Row[], columns: Set<string>, onConflict: OnConflictDto): Promise<number> {
    requireColumns(columns, onConflict.columns, table);
    const target = onConflict.columns.map(quoteIdentifier).join(', ');
    let changed = 0;
    for (const row of rows) {
      const names = Object.keys(row);
      if (names.length === 0) {
        throw new DomainError(ErrorCode.VALIDATION_FAILED, 'An upsert row must name its columns (SQLite has no upsert for DEFAULT VALUES).');
      }
      const updated = onConflict.action === 'update' ? names.filter((name) => !onConflict.columns.includes(name)) : [];
      const action = updated.length > 0 ? `DO UPDATE SET ${updated.map((name) => `${quoteIdentifier(name)} = excluded.${quoteIdentifier(name)}`).join(', ')}` : 'DO NOTHING';
      const sql = `INSERT INTO ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(', ')}) VALUES (${names.map(() => '?').join(', ')}) ON CONFLICT (${target}) ${action}`;
      changed += (await connection.run(sql, names.map((name) => toBindable(row[name])))).changes;
    }
    return changed;
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
