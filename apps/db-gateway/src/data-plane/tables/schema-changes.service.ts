import { Injectable } from '@nestjs/common';
import { AddColumnRequestDto, AddIndexRequestDto, ErrorCode, SchemaChangeResponseDto } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { ActiveDatabases } from '../active-databases';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { columnDefinitionSql, quoteIdentifier } from './sql-identifiers';
import { columnsOf, requireColumns, schemaObjectNamed } from './table-schema';

/** The schema-changing convenience endpoints: drop a table, add an index, add a column. Each runs on the writer in one transaction. */
@Injectable()
export class SchemaChangesService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly events: SqlWorkEvents,
  ) {}

  /** DROP TABLE (or DROP VIEW for a view, since the schema listing shows both). Foreign keys are on: a referenced parent with rows is refused. */
  dropTable(database: string, table: string): Promise<SchemaChangeResponseDto> {
    return this.change(database, `DROP TABLE ${quoteIdentifier(table)} (tables endpoint)`, async (connection) => {
      const kind = (await schemaObjectNamed(connection, table)).type === 'view' ? 'View' : 'Table';
      await connection.run(`DROP ${kind.toUpperCase()} ${quoteIdentifier(table)}`);
      return { message: `${kind} '${table}' dropped successfully.`, name: table };
    });
  }

  addIndex(database: string, table: string, request: AddIndexRequestDto): Promise<SchemaChangeResponseDto> {
    const name = request.name ?? `idx_${table}_${request.columns.join('_')}`.slice(0, 64);
    const sql = `CREATE ${request.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(name)} ON ${quoteIdentifier(table)} (${request.columns.map(quoteIdentifier).join(', ')})`;
    return this.change(database, sql, async (connection) => {
      requireColumns(await this.columnsOfTable(connection, table), request.columns, table);
      await connection.run(sql);
      return { message: `Index '${name}' created on table '${table}'.`, name };
    });
  }

  addColumn(database: string, table: string, column: AddColumnRequestDto): Promise<SchemaChangeResponseDto> {
    const sql = `ALTER TABLE ${quoteIdentifier(table)} ADD COLUMN ${columnDefinitionSql(column)}`;
    return this.change(database, sql, async (connection) => {
      await this.columnsOfTable(connection, table);
      await connection.run(sql);
      return { message: `Column '${column.name}' added to table '${table}'.`, name: column.name };
    });
  }

  /** The columns of a real table: a missing one is TABLE_NOT_FOUND, a view cannot be altered. */
  private async columnsOfTable(connection: SqliteConnection, table: string): Promise<Set<string>> {
    const columns = await columnsOf(connection, table);
    const [object] = await connection.all('SELECT type FROM sqlite_schema WHERE name = ?', [table]);
    if (object?.type !== 'table') throw new DomainError(ErrorCode.SQL_ERROR, `SQL Error: '${table}' is a view, not a table.`);
    return columns;
  }

  private change(database: string, sql: string, work: (connection: SqliteConnection) => Promise<SchemaChangeResponseDto>): Promise<SchemaChangeResponseDto> {
    return this.databases.use(database, (pool) => this.events.measure({ database, kind: 'write', sql }, () => pool.write(work, 'transaction'), () => ({})));
  }
}
