import {
  ApiKeyDto,
  CreateApiKeyRequestDto,
  CreateTableRequestDto,
  CreateTableResponseDto,
  CreatedApiKeyDto,
  AddColumnRequestDto,
  AddIndexRequestDto,
  DatabaseDetailsWithStorageDto,
  DeleteDatabaseResponseDto,
  PurgeTrashResponseDto,
  SchemaChangeResponseDto,
  TrashEntryDto,
  UndeleteDatabaseResponseDto,
  DatabaseSummaryDto,
  HealthCheckDto,
  InsertRowsResponseDto,
  OnConflictDto,
  PruneDatabaseResponseDto,
  ReconcileReportDto,
  RestoreDatabaseResponseDto,
  RevokedApiKeyDto,
  Row,
  RowsResponseDto,
  SnapshotDto,
  SpawnDatabaseResponseDto,
  SqlParams,
  StatementDto,
  TableInfoDto,
  TransactionResponseDto,
  StatusMessageDto,
  WriteResultDto,
  WriteRowsResponseDto,
} from '@dbforge/contracts';
import { DbForgeClientOptions, HttpTransport } from './http-transport';
import { ndjsonRows } from './ndjson-rows';

// The options are the transport's settings; they are exported from here as they always were.
export type { DbForgeClientOptions } from './http-transport';

/** What an upload holds: a SQLite database file, or an SQL dump (UTF-8 text). */
export type UploadKind = 'file' | 'sql';

const UPLOAD_CONTENT_TYPES: Record<UploadKind, string> = { file: 'application/vnd.sqlite3', sql: 'application/sql; charset=utf-8' };

/** The Content-Type of an upload; without a `kind`, a string is an SQL dump and bytes a SQLite file. */
function uploadContentType(content: Uint8Array | string, kind?: UploadKind): string {
  return UPLOAD_CONTENT_TYPES[kind ?? (typeof content === 'string' ? 'sql' : 'file')];
}

/** Rows filters: `column` (equality) or `column__op` (`gt gte lt lte ne like in isnull`); an array is sent comma-joined (for `__in`). */
export type RowsFilters = Record<string, string | number | boolean | (string | number)[]>;

/** A rows read: filters plus the reserved `_` parameters of GET /tables/{table}/rows. */
export interface ReadRowsOptions {
  where?: RowsFilters;
  /** Columns to return. */
  select?: string[];
  /** Order keys, e.g. `['age.desc', 'name']`. */
  order?: string[];
  limit?: number;
  offset?: number;
  /** The `next_cursor` of the previous page. */
  after?: string;
  /** Add `matched`, the number of rows the filters match. */
  count?: boolean;
}

/** `true` when a query answered with rows rather than a write summary. */
export function hasRows(result: RowsResponseDto | WriteResultDto): result is RowsResponseDto {
  return 'data' in result;
}

/**
 * A small typed client for the DB-Forge API, built on the contracts package and the platform's
 * fetch: no other dependencies. Every method returns the contract DTO or throws a DbForgeError.
 */
export class DbForgeClient {
  private readonly http: HttpTransport;
  private readonly baseUrl: string;

  constructor(options: DbForgeClientOptions) {
    this.http = new HttpTransport(options);
    this.baseUrl = options.baseUrl;
  }

  /**
   * The URL of `database` for `@libsql/client`'s `createClient({ url, authToken })` and the ORMs on it
   * (the libSQL protocol; its trailing slash matters). `baseUrl` is the gateway's, as given to this client.
   */
  static libsqlUrl(baseUrl: string, database: string): string {
    return `${baseUrl.replace(/\/+$/, '')}/libsql/${encodeURIComponent(database)}/`;
  }

  /** `DbForgeClient.libsqlUrl` for this client's gateway. */
  libsqlUrl(database: string): string {
    return DbForgeClient.libsqlUrl(this.baseUrl, database);
  }

  // --- The gateway itself ---

  /** The greeting, `{message: "Praetorian DB-Forge is online."}`. */
  ping(): Promise<StatusMessageDto> {
    return this.http.call('GET', '/');
  }

  /** Readiness; resolves with the report whether the gateway is ready or not. */
  async ready(): Promise<HealthCheckDto> {
    const { body } = await this.http.send<HealthCheckDto>('GET', '/health/ready', undefined, [200, 503]);
    return body;
  }

  // --- Databases: spawn, prune, list, describe, reconcile ---

  /** Spawns a database; `created` is false when it already existed (HTTP 200 rather than 201). */
  async spawn(database: string): Promise<SpawnDatabaseResponseDto & { created: boolean }> {
    const { status, body } = await this.http.send<SpawnDatabaseResponseDto>('POST', `/admin/databases/spawn/${this.name(database)}`);
    return { ...body, created: status === 201 };
  }

  /** Spawns a new database with the content of a SQLite file or an SQL dump (409 DATABASE_EXISTS if it exists). */
  async spawnFromUpload(database: string, content: Uint8Array | string, kind?: UploadKind): Promise<SpawnDatabaseResponseDto & { created: boolean }> {
    const { status, body } = await this.http.upload<SpawnDatabaseResponseDto>(`/admin/databases/spawn/${this.name(database)}`, content, uploadContentType(content, kind));
    return { ...body, created: status === 201 };
  }

  prune(database: string): Promise<PruneDatabaseResponseDto> {
    return this.http.call('POST', `/admin/databases/prune/${this.name(database)}`);
  }

  list(): Promise<DatabaseSummaryDto[]> {
    return this.http.call('GET', '/admin/databases');
  }

  describe(database: string): Promise<DatabaseDetailsWithStorageDto> {
    return this.http.call('GET', `/admin/databases/${this.name(database)}`);
  }

  reconcile(): Promise<ReconcileReportDto> {
    return this.http.call('POST', '/admin/reconcile');
  }

  // --- Trash: safe delete, undelete, purge ---

  /** Safe delete: the worker goes, the data moves to the trash (undelete brings it back until it is purged). */
  deleteDatabase(database: string): Promise<DeleteDatabaseResponseDto> {
    return this.http.call('DELETE', `/admin/databases/${this.name(database)}`);
  }

  undelete(database: string): Promise<UndeleteDatabaseResponseDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/undelete`);
  }

  /** Removes every trashed copy of the database from disk. */
  purge(database: string): Promise<PurgeTrashResponseDto> {
    return this.http.call('DELETE', `/admin/trash/${this.name(database)}`);
  }

  listTrash(): Promise<TrashEntryDto[]> {
    return this.http.call('GET', '/admin/trash');
  }

  // --- SQL: statements, streamed reads, transactions ---

  query(database: string, sql: string, params?: SqlParams): Promise<RowsResponseDto | WriteResultDto> {
    return this.http.call('POST', `/api/db/${this.name(database)}/query`, params === undefined ? { sql } : { sql, params });
  }

  /**
   * A read streamed as NDJSON: rows as they arrive, in flat memory whatever the result size (no row
   * cap). Throws a DbForgeError when the server cuts the stream (its last line carries the error) or
   * the connection breaks before the end.
   */
  async *streamRows(database: string, sql: string, params?: SqlParams): AsyncGenerator<Row> {
    yield* ndjsonRows(await this.streamQuery(database, sql, params, 'ndjson'));
  }

  /** The raw body of a read streamed as NDJSON or CSV (e.g. to pipe into a file); errors before the first row throw. */
  async streamQuery(database: string, sql: string, params: SqlParams | undefined, format: 'ndjson' | 'csv'): Promise<ReadableStream<Uint8Array>> {
    const accept = format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    return this.http.stream(`/api/db/${this.name(database)}/query`, accept, params === undefined ? { sql } : { sql, params });
  }

  /** Several statements in one transaction; `readOnly` runs them as one consistent snapshot. */
  transaction(database: string, statements: StatementDto[], options: { readOnly?: boolean } = {}): Promise<TransactionResponseDto> {
    return this.http.call('POST', `/api/db/${this.name(database)}/transaction`, options.readOnly ? { statements, read_only: true } : { statements });
  }

  // --- Schema: tables, columns, indexes ---

  /** The schema: tables and views with columns, keys, indexes and row counts. */
  tables(database: string): Promise<TableInfoDto[]> {
    return this.http.call('GET', `/api/db/${this.name(database)}/tables`);
  }

  table(database: string, table: string): Promise<TableInfoDto> {
    return this.http.call('GET', this.tablePath(database, table));
  }

  createTable(database: string, request: CreateTableRequestDto): Promise<CreateTableResponseDto> {
    return this.http.call('POST', `/api/db/${this.name(database)}/tables`, request);
  }

  /** Drops a table (or a view). */
  deleteTable(database: string, table: string): Promise<SchemaChangeResponseDto> {
    return this.http.call('DELETE', this.tablePath(database, table));
  }

  addIndex(database: string, table: string, request: AddIndexRequestDto): Promise<SchemaChangeResponseDto> {
    return this.http.call('POST', `${this.tablePath(database, table)}/indexes`, request);
  }

  addColumn(database: string, table: string, column: AddColumnRequestDto): Promise<SchemaChangeResponseDto> {
    return this.http.call('POST', `${this.tablePath(database, table)}/columns`, column);
  }

  // --- Rows: insert, upsert, read, update, delete ---

  insertRows(database: string, table: string, rows: Row[]): Promise<InsertRowsResponseDto> {
    return this.http.call('POST', `${this.tablePath(database, table)}/rows`, { rows });
  }

  /** Inserts rows, updating (or skipping) those that collide on `onConflict.columns`. */
  upsertRows(database: string, table: string, rows: Row[], onConflict: OnConflictDto): Promise<InsertRowsResponseDto> {
    return this.http.call('POST', `${this.tablePath(database, table)}/rows`, { rows, on_conflict: onConflict });
  }

  rows(database: string, table: string, filters: Record<string, string | number | boolean> = {}): Promise<RowsResponseDto> {
    return this.http.call('GET', this.rowsPath(database, table, filters));
  }

  /** Rows with operators, order and paging; follow `next_cursor` with `after` while `more` is true. */
  readRows(database: string, table: string, options: ReadRowsOptions = {}): Promise<RowsResponseDto> {
    const params: RowsFilters = { ...options.where };
    if (options.select) params._select = options.select.join(',');
    if (options.order) params._order = options.order.join(',');
    if (options.limit !== undefined) params._limit = options.limit;
    if (options.offset !== undefined) params._offset = options.offset;
    if (options.after !== undefined) params._after = options.after;
    if (options.count !== undefined) params._count = options.count;
    return this.http.call('GET', this.rowsPath(database, table, params));
  }

  /** Sets `set` on the rows `where` matches; an empty `where` needs `all: true`. */
  updateRows(database: string, table: string, where: RowsFilters, set: Row, options: { all?: boolean } = {}): Promise<WriteRowsResponseDto> {
    return this.http.call('PATCH', this.rowsPath(database, table, options.all ? { ...where, _all: true } : where), { set });
  }

  /** Deletes the rows `where` matches; an empty `where` needs `all: true`. */
  deleteRows(database: string, table: string, where: RowsFilters, options: { all?: boolean } = {}): Promise<WriteRowsResponseDto> {
    return this.http.call('DELETE', this.rowsPath(database, table, options.all ? { ...where, _all: true } : where));
  }

  // --- Database keys ---

  mintKey(database: string, request: CreateApiKeyRequestDto): Promise<CreatedApiKeyDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/keys`, request);
  }

  listKeys(database: string): Promise<ApiKeyDto[]> {
    return this.http.call('GET', `/admin/databases/${this.name(database)}/keys`);
  }

  revokeKey(database: string, keyId: string): Promise<RevokedApiKeyDto> {
    return this.http.call('DELETE', `/admin/databases/${this.name(database)}/keys/${encodeURIComponent(keyId)}`);
  }

  // --- Backups, SQL exports, snapshots, restores ---

  /** A consistent copy of the database (a SQLite file), as a stream of bytes: nothing is held in memory. */
  backupStream(database: string): Promise<ReadableStream<Uint8Array>> {
    return this.http.download(`/admin/databases/${this.name(database)}/backup`);
  }

  /** A consistent copy of the database (a SQLite file), in memory. */
  async backup(database: string): Promise<Uint8Array> {
    return new Uint8Array(await new Response(await this.backupStream(database)).arrayBuffer());
  }

  /** An SQL script that recreates the database, as a stream of UTF-8 bytes. */
  exportSqlStream(database: string): Promise<ReadableStream<Uint8Array>> {
    return this.http.download(`/admin/databases/${this.name(database)}/export?format=sql`);
  }

  /** An SQL script that recreates the database. */
  async exportSql(database: string): Promise<string> {
    return new Response(await this.exportSqlStream(database)).text();
  }

  createSnapshot(database: string): Promise<SnapshotDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/snapshots`);
  }

  /** Snapshots, newest first. */
  listSnapshots(database: string): Promise<SnapshotDto[]> {
    return this.http.call('GET', `/admin/databases/${this.name(database)}/snapshots`);
  }

  /** One snapshot's SQLite file, as a stream of bytes. */
  snapshotStream(database: string, snapshotId: string): Promise<ReadableStream<Uint8Array>> {
    return this.http.download(`/admin/databases/${this.name(database)}/snapshots/${encodeURIComponent(snapshotId)}`);
  }

  async deleteSnapshot(database: string, snapshotId: string): Promise<void> {
    await this.http.send('DELETE', `/admin/databases/${this.name(database)}/snapshots/${encodeURIComponent(snapshotId)}`);
  }

  /**
   * Replaces the database's content with a SQLite file or an SQL dump (validated by the gateway first;
   * the replaced version becomes the `previous_snapshot`). `kind` defaults to `sql` for a string, `file` otherwise.
   */
  restore(database: string, content: Uint8Array | string, kind?: UploadKind): Promise<RestoreDatabaseResponseDto> {
    const contentType = uploadContentType(content, kind);
    return this.http.upload<RestoreDatabaseResponseDto>(`/admin/databases/${this.name(database)}/restore`, content, contentType).then(({ body }) => body);
  }

  /** Restores the database as it was at `at`, from its continuous replica (the gateway needs DBFORGE_REPLICA_URL). */
  restoreAt(database: string, at: Date | string): Promise<RestoreDatabaseResponseDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/restore`, { timestamp: at instanceof Date ? at.toISOString() : at });
  }

  /** Spawns `database` as a branch of `from`: as it was at `at`, or its latest state without one. */
  branch(database: string, from: string, at?: Date | string): Promise<SpawnDatabaseResponseDto> {
    const timestamp = at === undefined ? undefined : at instanceof Date ? at.toISOString() : at;
    return this.http.call('POST', `/admin/databases/spawn/${this.name(database)}`, timestamp === undefined ? { from } : { from, timestamp });
  }

  /** Brings back a database this gateway does not have from its continuous replica alone. */
  recover(database: string): Promise<SpawnDatabaseResponseDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/recover`);
  }

  /** The databases the continuous replica holds (`null` for an S3 store, which is not listed). */
  replicas(): Promise<{ replica: string; databases: string[] | null }> {
    return this.http.call('GET', '/admin/replicas');
  }

  /** Replaces the database's content with one of its snapshots. */
  restoreSnapshot(database: string, snapshotId: string): Promise<RestoreDatabaseResponseDto> {
    return this.http.call('POST', `/admin/databases/${this.name(database)}/snapshots/${encodeURIComponent(snapshotId)}/restore`);
  }

  // --- Paths: names are URL-encoded, whatever characters they hold ---

  private name(database: string): string {
    return encodeURIComponent(database);
  }

  private tablePath(database: string, table: string): string {
    return `/api/db/${this.name(database)}/tables/${encodeURIComponent(table)}`;
  }

  /** The rows of a table, with the filters and `_` parameters as the query string (arrays comma-joined). */
  private rowsPath(database: string, table: string, params: RowsFilters): string {
    const search = new URLSearchParams(Object.entries(params).map(([name, value]): [string, string] => [name, Array.isArray(value) ? value.join(',') : String(value)])).toString();
    return `${this.tablePath(database, table)}/rows${search ? `?${search}` : ''}`;
  }
}
