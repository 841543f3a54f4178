import {
  ApiKeyDto,
  CreateApiKeyRequestDto,
  CreateTableRequestDto,
  CreateTableResponseDto,
  CreatedApiKeyDto,
  DatabaseDetailsDto,
  DatabaseSummaryDto,
  HealthCheckDto,
  InsertRowsResponseDto,
  PruneDatabaseResponseDto,
  ReconcileReportDto,
  RestoreDatabaseResponseDto,
  RevokedApiKeyDto,
  Row,
  RowsResponseDto,
  SpawnDatabaseResponseDto,
  SqlParams,
  StatementDto,
  TableInfoDto,
  TransactionResponseDto,
  StatusMessageDto,
  WriteResultDto,
} from '@dbforge/contracts';
import { DbForgeError } from './dbforge-error';

/** What an upload holds: a SQLite database file, or an SQL dump (UTF-8 text). */
export type UploadKind = 'file' | 'sql';

const UPLOAD_CONTENT_TYPES: Record<UploadKind, string> = { file: 'application/vnd.sqlite3', sql: 'application/sql; charset=utf-8' };

export interface DbForgeClientOptions {
  /** The gateway, e.g. `http://localhost:8000`. */
  baseUrl: string;
  /** The admin key or a database key, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
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
  private readonly baseUrl: string;
  private readonly fetcher: typeof fetch;

  constructor(private readonly options: DbForgeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
  }

  /** The greeting, `{message: "Praetorian DB-Forge is online."}`. */
  ping(): Promise<StatusMessageDto> {
    return this.call('GET', '/');
  }

  /** Spawns a database; `created` is false when it already existed (HTTP 200 rather than 201). */
  async spawn(database: string): Promise<SpawnDatabaseResponseDto & { created: boolean }> {
    const { status, body } = await this.send<SpawnDatabaseResponseDto>('POST', `/admin/databases/spawn/${this.name(database)}`);
    return { ...body, created: status === 201 };
  }

  prune(database: string): Promise<PruneDatabaseResponseDto> {
    return this.call('POST', `/admin/databases/prune/${this.name(database)}`);
  }

  list(): Promise<DatabaseSummaryDto[]> {
    return this.call('GET', '/admin/databases');
  }

  describe(database: string): Promise<DatabaseDetailsDto> {
    return this.call('GET', `/admin/databases/${this.name(database)}`);
  }

  reconcile(): Promise<ReconcileReportDto> {
    return this.call('POST', '/admin/reconcile');
  }

  query(database: string, sql: string, params?: SqlParams): Promise<RowsResponseDto | WriteResultDto> {
    return this.call('POST', `/api/db/${this.name(database)}/query`, params === undefined ? { sql } : { sql, params });
  }

  /** Several statements in one transaction; `readOnly` runs them as one consistent snapshot. */
  transaction(database: string, statements: StatementDto[], options: { readOnly?: boolean } = {}): Promise<TransactionResponseDto> {
    return this.call('POST', `/api/db/${this.name(database)}/transaction`, options.readOnly ? { statements, read_only: true } : { statements });
  }

  /** The schema: tables and views with columns, keys, indexes and row counts. */
  tables(database: string): Promise<TableInfoDto[]> {
    return this.call('GET', `/api/db/${this.name(database)}/tables`);
  }

  table(database: string, table: string): Promise<TableInfoDto> {
    return this.call('GET', `/api/db/${this.name(database)}/tables/${encodeURIComponent(table)}`);
  }

  createTable(database: string, request: CreateTableRequestDto): Promise<CreateTableResponseDto> {
    return this.call('POST', `/api/db/${this.name(database)}/tables`, request);
  }

  insertRows(database: string, table: string, rows: Row[]): Promise<InsertRowsResponseDto> {
    return this.call('POST', `/api/db/${this.name(database)}/tables/${encodeURIComponent(table)}/rows`, { rows });
  }

  rows(database: string, table: string, filters: Record<string, string | number | boolean> = {}): Promise<RowsResponseDto> {
    const search = new URLSearchParams(Object.entries(filters).map(([column, value]): [string, string] => [column, String(value)])).toString();
    return this.call('GET', `/api/db/${this.name(database)}/tables/${encodeURIComponent(table)}/rows${search ? `?${search}` : ''}`);
  }

  mintKey(database: string, request: CreateApiKeyRequestDto): Promise<CreatedApiKeyDto> {
    return this.call('POST', `/admin/databases/${this.name(database)}/keys`, request);
  }

  listKeys(database: string): Promise<ApiKeyDto[]> {
    return this.call('GET', `/admin/databases/${this.name(database)}/keys`);
  }

  revokeKey(database: string, keyId: string): Promise<RevokedApiKeyDto> {
    return this.call('DELETE', `/admin/databases/${this.name(database)}/keys/${encodeURIComponent(keyId)}`);
  }

  /** Readiness; resolves with the report whether the gateway is ready or not. */
  async ready(): Promise<HealthCheckDto> {
    const { body } = await this.send<HealthCheckDto>('GET', '/health/ready', undefined, [200, 503]);
    return body;
  }

  /**
   * Replaces the database's content with a SQLite file or an SQL dump (validated by the gateway first;
   * the replaced version becomes the `previous_snapshot`). `kind` defaults to `sql` for a string, `file` otherwise.
   */
  restore(database: string, content: Uint8Array | string, kind?: UploadKind): Promise<RestoreDatabaseResponseDto> {
    return this.upload(`/admin/databases/${this.name(database)}/restore`, content, kind).then(({ body }) => body as RestoreDatabaseResponseDto);
  }

  /** Spawns a new database with the content of a SQLite file or an SQL dump (409 DATABASE_ALREADY_EXISTS if it exists). */
  async spawnFromUpload(database: string, content: Uint8Array | string, kind?: UploadKind): Promise<SpawnDatabaseResponseDto & { created: boolean }> {
    const { status, body } = await this.upload(`/admin/databases/spawn/${this.name(database)}`, content, kind);
    return { ...(body as SpawnDatabaseResponseDto), created: status === 201 };
  }

  /** Replaces the database's content with one of its snapshots. */
  restoreSnapshot(database: string, snapshotId: string): Promise<RestoreDatabaseResponseDto> {
    return this.call('POST', `/admin/databases/${this.name(database)}/snapshots/${encodeURIComponent(snapshotId)}/restore`);
  }

  private name(database: string): string {
    return encodeURIComponent(database);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send<T>(method, path, body)).body;
  }

  private async send<T>(method: string, path: string, body?: unknown, accepted?: number[]): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await this.fetcher(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new DbForgeError(0, 'NETWORK_ERROR', `Cannot reach ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new DbForgeError(response.status, 'UNEXPECTED_RESPONSE', `Not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    if (response.ok || accepted?.includes(response.status)) return { status: response.status, body: parsed as T };
    throw DbForgeError.fromBody(response.status, parsed);
  }

  /** POSTs a raw upload (not JSON); the answer is read as `send` reads it. */
  private async upload(path: string, content: Uint8Array | string, kind?: UploadKind): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': UPLOAD_CONTENT_TYPES[kind ?? (typeof content === 'string' ? 'sql' : 'file')] };
    if (this.options.apiKey) headers.Authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await this.fetcher(this.baseUrl + path, { method: 'POST', headers, body: content });
    } catch (error) {
      throw new DbForgeError(0, 'NETWORK_ERROR', `Cannot reach ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new DbForgeError(response.status, 'UNEXPECTED_RESPONSE', `Not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    if (response.ok) return { status: response.status, body: parsed };
    throw DbForgeError.fromBody(response.status, parsed);
  }
}
