import { Injectable } from '@nestjs/common';
import { IndexInfoDto, TableInfoDto } from '@dbforge/contracts';
import { ActiveDatabases } from '../active-databases';
import { SqliteConnection } from '../../sqlite/sqlite.port';
import { SqlWorkEvents } from '../sql-work.events';
import { SchemaObject, rowCountOf, schemaObjectNamed, schemaObjectsOf } from './table-schema';

/** The schema of a database, read from SQLite's own catalog (sqlite_schema and the pragma functions). */
@Injectable()
export class SchemaService {
  constructor(
    private readonly databases: ActiveDatabases,
    private readonly events: SqlWorkEvents,
  ) {}

  /** Every table and view (SQLite's internal `sqlite_` ones left out), with columns, indexes and row counts. */
  listTables(database: string): Promise<TableInfoDto[]> {
    return this.read(database, 'schema: all tables', async (connection) => {
      const tables: TableInfoDto[] = [];
      for (const object of await schemaObjectsOf(connection)) tables.push(await this.describe(connection, object));
      return tables;
    });
  }

  describeTable(database: string, table: string): Promise<TableInfoDto> {
    return this.read(database, `schema: ${table}`, async (connection) => {
      return this.describe(connection, await schemaObjectNamed(connection, table));
    });
  }

  private read<T>(database: string, label: string, work: (connection: SqliteConnection) => Promise<T>): Promise<T> {
    return this.databases.use(database, (pool) => this.events.measure({ database, kind: 'read', sql: label }, () => pool.read(work), () => ({})));
  }

  private async describe(connection: SqliteConnection, object: SchemaObject): Promise<TableInfoDto> {
    const columns = await connection.all('SELECT name, type, "notnull" AS not_null, dflt_value, pk FROM pragma_table_info(?)', [object.name]);
    const indexList = await connection.all('SELECT name, "unique" AS is_unique FROM pragma_index_list(?) ORDER BY seq', [object.name]);
    const indexes: IndexInfoDto[] = [];
    for (const index of indexList) {
      const parts = await connection.all('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [index.name]);
      indexes.push({ name: String(index.name), unique: Number(index.is_unique) === 1, columns: parts.map((part) => String(part.name)) });
    }
    const rowCount = object.type === 'table' ? await rowCountOf(connection, object.name) : null;
    return {
      name: object.name,
      type: object.type,
      columns: columns.map((column) => ({
        name: String(column.name),
        type: String(column.type ?? ''),
        not_null: Number(column.not_null) === 1,
        default: column.dflt_value === null ? null : String(column.dflt_value),
        primary_key: Number(column.pk),
      })),
      indexes,
      row_count: rowCount,
    };
  }
}
