import { HttpStatus } from '@nestjs/common';
import { DECORATORS, getSchemaPath } from '@nestjs/swagger';
import { ErrorBodyDto, ErrorCode } from '@dbforge/contracts';
import { statusOf } from './error-status';

/** One example `detail` per error code, as the gateway words it. Exhaustive: a new code needs its example. */
const EXAMPLE_DETAILS: Record<ErrorCode, string> = {
  [ErrorCode.VALIDATION_FAILED]: 'sql must be a string',
  [ErrorCode.MALFORMED_JSON]: `Malformed JSON body: Unexpected token '}', "{"sql":}" is not valid JSON`,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'Request body is larger than the configured limit.',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported body encoding: unsupported charset "LATIN-9"',
  [ErrorCode.INVALID_DATABASE_NAME]:
    'db_name must start with a letter or digit, contain only letters, digits, "_", "." or "-", be at most 63 characters and not contain ".."',
  [ErrorCode.INVALID_IDENTIFIER]: 'Invalid identifier: "users; DROP TABLE x".',
  [ErrorCode.DATABASE_NOT_FOUND]: 'Database not found.',
  [ErrorCode.TABLE_NOT_FOUND]: 'SQL Error: no such table: users',
  [ErrorCode.UNKNOWN_COLUMN]: "Unknown column 'agee' in table 'users'.",
  [ErrorCode.NO_ROWS_PROVIDED]: 'No rows provided.',
  [ErrorCode.SQL_ERROR]: 'SQL Error: near "SELEC": syntax error',
  [ErrorCode.CONSTRAINT_VIOLATION]: 'SQL Error: UNIQUE constraint failed: users.email',
  [ErrorCode.MULTIPLE_STATEMENTS]: 'SQL Error: You can only execute one statement at a time.',
  [ErrorCode.TRANSACTION_CONTROL_NOT_ALLOWED]: 'SQL Error: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE are not accepted: each request is its own transaction; use /transaction for several statements.',
  [ErrorCode.TOO_MANY_STATEMENTS]: '1001 statements in one transaction; at most 1000 (DBFORGE_MAX_STATEMENTS).',
  [ErrorCode.STATEMENT_NOT_ALLOWED]: 'SQL Error: not authorized: the statement does something a database here may not (the temp schema, ATTACH, load_extension() or a host-revealing pragma).',
  [ErrorCode.PRAGMA_NOT_ALLOWED]: 'PRAGMA journal_mode can be read but not set.',
  [ErrorCode.UNAUTHENTICATED]: 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>".',
  [ErrorCode.INVALID_API_KEY]: 'The API key is not valid (unknown, revoked or expired).',
  [ErrorCode.INSUFFICIENT_SCOPE]: 'This API key may only read.',
  [ErrorCode.FOREIGN_REQUEST]: "Refused a request from the web page at http://evil.example: a gateway without DBFORGE_ADMIN_KEY answers only requests made from its own pages or outside a browser.",
  [ErrorCode.RATE_LIMITED]: 'Too many requests; retry in 3 s.',
  [ErrorCode.STATEMENT_TIMEOUT]: 'Statement timeout: SQLITE_INTERRUPT: interrupted',
  [ErrorCode.API_KEY_NOT_FOUND]: 'API key revoked.',
  [ErrorCode.ROUTE_NOT_FOUND]: 'Not Found',
  [ErrorCode.RUNTIME_UNAVAILABLE]: 'Docker engine is unreachable; cannot start a worker (ECONNREFUSED).',
  [ErrorCode.RUNTIME_FAILURE]: 'Docker engine could not start a worker: No such image: db-worker-base:latest',
  [ErrorCode.DATABASE_BUSY]: 'Database is busy; try again. (SQLITE_BUSY: database is locked)',
  [ErrorCode.DATABASE_FILE_MISSING]: 'The database file is missing: the gateway will not serve an empty database in its place. Restore the database (from an upload or a snapshot) or delete it.',
  [ErrorCode.RESULT_TOO_LARGE]: 'The first row alone is larger than DBFORGE_MAX_RESULT_BYTES (67108864 bytes): select fewer or shorter columns (substr(), length()).',
  [ErrorCode.LIBSQL_STREAM_EXPIRED]: 'The stream of this baton has ended: the transaction was rolled back: it stayed idle longer than 10000 ms (DBFORGE_TRANSACTION_IDLE_MS).',
  [ErrorCode.LIBSQL_PROTOCOL_ERROR]: 'requests: expected an array',
  [ErrorCode.REPLICATION_OFF]: 'This needs continuous replication: start the gateway with DBFORGE_REPLICA_URL (file:///<dir> or s3://<bucket>/<prefix>).',
  [ErrorCode.REPLICA_NOT_FOUND]: "The replica has no copy of 'notes' at 2026-01-01T00:00:00.000Z (cannot find max generation).",
  [ErrorCode.NOT_ACCEPTABLE]: 'Only a statement that reads rows can stream as NDJSON; send this one with Accept: application/json.',
  [ErrorCode.SNAPSHOT_NOT_FOUND]: 'Snapshot not found.',
  [ErrorCode.STREAM_INTERRUPTED]: 'The database was restored while its rows were streamed; read again.',
  [ErrorCode.INTERNAL_ERROR]: 'Internal server error.',
  [ErrorCode.UNKNOWN_OPERATOR]: "Unknown operator '__between' in 'age__between'; use one of __gt, __gte, __lt, __lte, __ne, __like, __in, __isnull.",
  [ErrorCode.INVALID_CURSOR]: '_after is not a valid cursor: it was made for another order. Use the next_cursor of a previous page.',
  [ErrorCode.UNFILTERED_WRITE]: 'Refusing to delete every row: give filters, or _all=true to delete them all.',
  [ErrorCode.DATABASE_EXISTS]: "Database 'agent_memory_db' already exists (running or pruned); spawning from an upload never overwrites. Use POST /admin/databases/agent_memory_db/restore.",
  [ErrorCode.NOT_IN_TRASH]: 'Nothing in the trash for agent_memory_db.',
  [ErrorCode.RESTORE_INVALID]: 'The uploaded file is not a valid SQLite database: file is not a database.',
};

const STATUS_DESCRIPTIONS: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Invalid input: a bad name, body or SQL; detail says which.',
  [HttpStatus.UNAUTHORIZED]: 'No API key (when DBFORGE_ADMIN_KEY is set).',
  [HttpStatus.FORBIDDEN]: 'A wrong key, a key without the scope, or a statement that is not allowed.',
  [HttpStatus.NOT_FOUND]: 'The database (or the thing named in the path) does not exist.',
  [HttpStatus.NOT_ACCEPTABLE]: 'The format asked for in Accept cannot carry this result.',
  [HttpStatus.REQUEST_TIMEOUT]: 'The statement ran past DBFORGE_STATEMENT_TIMEOUT_MS and was interrupted.',
  [HttpStatus.CONFLICT]: 'The name is taken, or a stream was cut by a restore.',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Body larger than DBFORGE_MAX_BODY_BYTES.',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'A body type or charset the route cannot read.',
  [HttpStatus.TOO_MANY_REQUESTS]: 'Rate limit reached; see Retry-After.',
  [HttpStatus.BAD_GATEWAY]: 'The container runtime refused the operation.',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'The container runtime or the database is unavailable.',
};

/** The error body a client receives for `code`, as a Swagger example. */
export function exampleErrorBody(code: ErrorCode): ErrorBodyDto {
  const detail = EXAMPLE_DETAILS[code];
  return { detail, error: { code, message: detail, status: statusOf(code) } };
}

const DOCUMENTED_CODES = 'dbforge:documented-error-codes';

function documentedCodes(target: object): ErrorCode[] {
  return (Reflect.getMetadata(DOCUMENTED_CODES, target) as ErrorCode[] | undefined) ?? [];
}

/** Writes one response per status of `codes`, each with one example per code, replacing what was there for those statuses. */
function documentResponses(handler: object, codes: ErrorCode[]): void {
  const responses: Record<string, unknown> = { ...(Reflect.getMetadata(DECORATORS.API_RESPONSE, handler) as object | undefined) };
  const byStatus = new Map<HttpStatus, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  for (const [status, statusCodes] of byStatus) {
    // Always JSON, also on routes that produce files or text: an error is never the route's own format.
    responses[status] = {
      description: STATUS_DESCRIPTIONS[status] ?? 'Error.',
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorBodyDto) },
          examples: Object.fromEntries(statusCodes.map((code) => [code, { summary: code, value: exampleErrorBody(code) }])),
        },
      },
    };
  }
  Reflect.defineMetadata(DECORATORS.API_RESPONSE, responses, handler);
  Reflect.defineMetadata(DECORATORS.API_EXTRA_MODELS, [...((Reflect.getMetadata(DECORATORS.API_EXTRA_MODELS, handler) as unknown[]) ?? []), ErrorBodyDto], handler);
}

/**
 * Documents the errors a route can answer, by code: one response per status, with an example body
 * for each code. On a controller the codes apply to each of its routes, together with the codes the
 * route names itself.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return ((target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      const own = [...documentedCodes(descriptor.value as object), ...codes];
      Reflect.defineMetadata(DOCUMENTED_CODES, own, descriptor.value as object);
      documentResponses(descriptor.value as object, own);
      return descriptor;
    }
    const controllerCodes = [...documentedCodes(target), ...codes];
    Reflect.defineMetadata(DOCUMENTED_CODES, controllerCodes, target);
    const controller = target as { prototype: Record<string, unknown> };
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = controller.prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      documentResponses(handler, [...controllerCodes, ...documentedCodes(handler)]);
    }
    return target;
  }) as MethodDecorator & ClassDecorator;
}
