/**
 * Machine-readable error codes. Every error body carries one in `error.code`;
 * clients match on these, the gateway's exception filter maps each to an HTTP status.
 */
export enum ErrorCode {
  /** A field of the body, path or query failed validation (400). */
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  /** The body is not well-formed JSON (400). */
  MALFORMED_JSON = 'MALFORMED_JSON',
  /** The body is larger than the configured limit (413). */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** The body's content type or charset cannot be read (415). */
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** A database name outside `^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$` or containing `..` (400). */
  INVALID_DATABASE_NAME = 'INVALID_DATABASE_NAME',
  /** A table, column or type name that is not a safe identifier (400). */
  INVALID_IDENTIFIER = 'INVALID_IDENTIFIER',
  /** The database does not exist or was pruned (404, detail `Database not found.`). */
  DATABASE_NOT_FOUND = 'DATABASE_NOT_FOUND',
  /** The table named in the path does not exist (400, detail `SQL Error: no such table: ...` as in v1). */
  TABLE_NOT_FOUND = 'TABLE_NOT_FOUND',
  /** A filter or row names a column the table does not have (400). */
  UNKNOWN_COLUMN = 'UNKNOWN_COLUMN',
  /** An insert without rows (400, detail `No rows provided.` as in v1). */
  NO_ROWS_PROVIDED = 'NO_ROWS_PROVIDED',
  /** SQLite rejected the statement (400, detail starts with `SQL Error: `). */
  SQL_ERROR = 'SQL_ERROR',
  /** A constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY) failed (400, detail starts with `SQL Error: `). */
  CONSTRAINT_VIOLATION = 'CONSTRAINT_VIOLATION',
  /** More than one statement in one `sql` string (400). */
  MULTIPLE_STATEMENTS = 'MULTIPLE_STATEMENTS',
  /** BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE sent as a single statement (400). */
  TRANSACTION_CONTROL_NOT_ALLOWED = 'TRANSACTION_CONTROL_NOT_ALLOWED',
  /** More statements (or rows) in one request than DBFORGE_MAX_STATEMENTS (400). */
  TOO_MANY_STATEMENTS = 'TOO_MANY_STATEMENTS',
  /** ATTACH, DETACH, load_extension(), VACUUM INTO and the like: nothing may reach outside its database (403). */
  STATEMENT_NOT_ALLOWED = 'STATEMENT_NOT_ALLOWED',
  /** A PRAGMA that could break the service, or setting one that may only be read (403). */
  PRAGMA_NOT_ALLOWED = 'PRAGMA_NOT_ALLOWED',
  /** No API key on a call that needs one (401). */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The API key is not valid: unknown, revoked or expired (403). */
  INVALID_API_KEY = 'INVALID_API_KEY',
  /** A valid key that may not do this: another database's key, a database key on /admin, a read key writing (403). */
  INSUFFICIENT_SCOPE = 'INSUFFICIENT_SCOPE',
  /** Without DBFORGE_ADMIN_KEY: a request a web page of another origin sent through a browser, or (on loopback) one addressed to a name that is not this machine's (403). */
  FOREIGN_REQUEST = 'FOREIGN_REQUEST',
  /** Too many requests from this key or address; retry after the `Retry-After` seconds (429). */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The statement ran longer than DBFORGE_STATEMENT_TIMEOUT_MS and was interrupted (408). */
  STATEMENT_TIMEOUT = 'STATEMENT_TIMEOUT',
  /** The API key named in the path does not exist (404). */
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  /** No route matches the method and path (404). */
  ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND',
  /** The container runtime cannot be reached (503). */
  RUNTIME_UNAVAILABLE = 'RUNTIME_UNAVAILABLE',
  /** The container runtime refused or failed an operation (502). */
  RUNTIME_FAILURE = 'RUNTIME_FAILURE',
  /** The database stayed locked longer than the busy timeout (503). */
  DATABASE_BUSY = 'DATABASE_BUSY',
  /** The catalog has the database but its file is gone; nothing is created in its place: restore it or delete it (503). */
  DATABASE_FILE_MISSING = 'DATABASE_FILE_MISSING',
  /** A single row of a read is larger than DBFORGE_MAX_RESULT_BYTES (400). */
  RESULT_TOO_LARGE = 'RESULT_TOO_LARGE',
  /** A point-in-time restore, branch or recovery without DBFORGE_REPLICA_URL (400). */
  REPLICATION_OFF = 'REPLICATION_OFF',
  /** The replica holds no copy of the database at that moment (404). */
  REPLICA_NOT_FOUND = 'REPLICA_NOT_FOUND',
  /** A libSQL (Hrana) baton that is unknown, already used, or whose stream ended: its transaction was rolled back by a limit (400). */
  LIBSQL_STREAM_EXPIRED = 'LIBSQL_STREAM_EXPIRED',
  /** A libSQL pipeline body that is not Hrana (400). */
  LIBSQL_PROTOCOL_ERROR = 'LIBSQL_PROTOCOL_ERROR',
  /** The response format asked for in `Accept` cannot carry this result, e.g. a write asked to stream as NDJSON or CSV (406). */
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  /** The snapshot named in the path does not exist (404, detail `Snapshot not found.`). */
  SNAPSHOT_NOT_FOUND = 'SNAPSHOT_NOT_FOUND',
  /** A streamed read cut because its database was restored meanwhile: the rows sent are incomplete; read again (409, in the last NDJSON line). */
  STREAM_INTERRUPTED = 'STREAM_INTERRUPTED',
  /** An unexpected failure inside the gateway (500); the detail never leaks internals. */
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  /** A rows filter `column__op=value` with an operator the rows API does not have (400). */
  UNKNOWN_OPERATOR = 'UNKNOWN_OPERATOR',
  /** An `_after` cursor that is not one this gateway made for this query's order (400). */
  INVALID_CURSOR = 'INVALID_CURSOR',
  /** A PATCH or DELETE on the rows path without filters and without `_all=true` (400). */
  UNFILTERED_WRITE = 'UNFILTERED_WRITE',
  /** Undeleting, or spawning from an upload, a name that exists now (active or pruned; for an upload also a leftover data directory) (409). */
  DATABASE_EXISTS = 'DATABASE_EXISTS',
  /** Undeleting or purging a name that has no copy in the trash (404). */
  NOT_IN_TRASH = 'NOT_IN_TRASH',
  /** An uploaded database file or SQL dump (or a snapshot) failed validation; nothing was replaced (400). */
  RESTORE_INVALID = 'RESTORE_INVALID',
}
