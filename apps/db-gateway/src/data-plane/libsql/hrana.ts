/**
 * The JSON messages of Hrana over HTTP, version 2 (`POST /v2/pipeline`), as @libsql/client sends and
 * reads them (libsql-server's docs/HTTP_V2_SPEC.md and docs/HRANA_2_SPEC.md), and their decoding:
 * anything malformed is a HranaProtocolError (HTTP 400), never a guess.
 */
import { SqliteValue } from '../../sqlite/sqlite.port';

export type HranaValue =
  | { type: 'null' }
  | { type: 'integer'; value: string }
  | { type: 'float'; value: number }
  | { type: 'text'; value: string }
  | { type: 'blob'; base64: string };

export interface HranaStmt {
  sql?: string;
  sql_id?: number;
  args?: HranaValue[];
  named_args?: { name: string; value: HranaValue }[];
  want_rows?: boolean;
}

export type HranaCondition =
  | { type: 'ok'; step: number }
  | { type: 'error'; step: number }
  | { type: 'not'; cond: HranaCondition }
  | { type: 'and'; conds: HranaCondition[] }
  | { type: 'or'; conds: HranaCondition[] }
  | { type: 'is_autocommit' };

export interface HranaBatch {
  steps: { condition?: HranaCondition | null; stmt: HranaStmt }[];
}

export type HranaRequest =
  | { type: 'close' }
  | { type: 'execute'; stmt: HranaStmt }
  | { type: 'batch'; batch: HranaBatch }
  | { type: 'sequence'; sql?: string; sql_id?: number }
  | { type: 'describe'; sql?: string; sql_id?: number }
  | { type: 'store_sql'; sql_id: number; sql: string }
  | { type: 'close_sql'; sql_id: number }
  | { type: 'get_autocommit' };

export interface HranaError {
  message: string;
  code?: string | null;
}

export interface HranaStmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: HranaValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

export interface HranaBatchResult {
  step_results: (HranaStmtResult | null)[];
  step_errors: (HranaError | null)[];
}

export interface HranaDescribeResult {
  params: { name: string | null }[];
  cols: { name: string; decltype: string | null }[];
  is_explain: boolean;
  is_readonly: boolean;
}

export type HranaResponse =
  | { type: 'close' }
  | { type: 'execute'; result: HranaStmtResult }
  | { type: 'batch'; result: HranaBatchResult }
  | { type: 'sequence' }
  | { type: 'describe'; result: HranaDescribeResult }
  | { type: 'store_sql' }
  | { type: 'close_sql' }
  | { type: 'get_autocommit'; is_autocommit: boolean };

export type HranaResult = { type: 'ok'; response: HranaResponse } | { type: 'error'; error: HranaError };

export interface PipelineRequest {
  baton: string | null;
  requests: HranaRequest[];
}

export interface PipelineResponse {
  baton: string | null;
  base_url: string | null;
  results: HranaResult[];
}

/** A request body that is not Hrana: refused whole (HTTP 400) before anything runs. */
export class HranaProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HranaProtocolError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(where: string, what: string): never {
  throw new HranaProtocolError(`${where}: ${what}`);
}

const REQUEST_TYPES = new Set(['close', 'execute', 'batch', 'sequence', 'describe', 'store_sql', 'close_sql', 'get_autocommit']);

/** Checks the shape of a pipeline body; the values inside statements are decoded when they run. */
export function readPipelineRequest(body: unknown, maxRequests: number): PipelineRequest {
  if (!isObject(body)) fail('body', 'expected a JSON object {baton, requests}');
  const { baton = null, requests } = body;
  if (baton !== null && typeof baton !== 'string') fail('baton', 'expected a string or null');
  if (!Array.isArray(requests)) fail('requests', 'expected an array');
  if (requests.length > maxRequests) fail('requests', `${requests.length} requests in one pipeline; at most ${maxRequests} (DBFORGE_MAX_STATEMENTS)`);
  requests.forEach((request, index) => {
    if (!isObject(request) || typeof request.type !== 'string') fail(`requests[${index}]`, 'expected an object with a "type"');
    if (!REQUEST_TYPES.has(request.type)) fail(`requests[${index}].type`, `unknown request type '${request.type}'`);
  });
  return { baton, requests: requests as HranaRequest[] };
}

/** A Hrana value as the driver binds it. Integers past ±2^53 cannot be bound exactly, so they are refused. */
export function decodeValue(value: unknown, where: string): SqliteValue {
  if (!isObject(value)) fail(where, 'expected a value object {type, ...}');
  switch (value.type) {
    case 'null':
      return null;
    case 'integer': {
      const text = typeof value.value === 'number' ? String(value.value) : value.value;
      if (typeof text !== 'string' || !/^-?\d+$/.test(text)) fail(where, 'an integer value must be a decimal string');
      const number = Number(text);
      if (!Number.isSafeInteger(number)) fail(where, `the integer ${text} is outside ±2^53, which this gateway cannot bind exactly; send it as text`);
      return number;
    }
    case 'float':
      if (typeof value.value !== 'number') fail(where, 'a float value must be a number');
      return value.value;
    case 'text':
      if (typeof value.value !== 'string') fail(where, 'a text value must be a string');
      return value.value;
    case 'blob':
      if (typeof value.base64 !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value.base64)) fail(where, 'a blob value must carry base64');
      return Buffer.from(value.base64, 'base64');
    default:
      return fail(where, `unknown value type '${String(value.type)}'`);
  }
}

/** A value SQLite returned, as Hrana carries it: integers as decimal strings, BLOBs as base64. */
export function encodeValue(value: SqliteValue): HranaValue {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'string') return { type: 'text', value };
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { type: 'integer', value: String(value) } : { type: 'float', value };
  return { type: 'blob', base64: value.toString('base64') };
}

/** The statement's parameters: positional (`args`) or named (`named_args`, with or without their prefix). */
export function decodeArguments(stmt: HranaStmt, where: string): unknown[] | Record<string, unknown> | undefined {
  const args = stmt.args ?? [];
  const named = stmt.named_args ?? [];
  if (!Array.isArray(args)) fail(`${where}.args`, 'expected an array');
  if (!Array.isArray(named)) fail(`${where}.named_args`, 'expected an array');
  if (args.length > 0 && named.length > 0) fail(where, 'give either positional args or named_args, not both');
  if (named.length > 0) {
    const bindings: Record<string, unknown> = {};
    named.forEach((arg: unknown, index) => {
      if (!isObject(arg) || typeof arg.name !== 'string') fail(`${where}.named_args[${index}]`, 'expected {name, value}');
      bindings[arg.name] = decodeValue(arg.value, `${where}.named_args[${index}].value`);
    });
    return bindings;
  }
  return args.length > 0 ? args.map((arg, index) => decodeValue(arg, `${where}.args[${index}]`)) : undefined;
}

const MAX_CONDITION_DEPTH = 100;
const MAX_CONDITION_TERMS = 1_000;

/** Checks a batch step condition and says whether it holds, given the outcomes of the steps before it. */
export function conditionHolds(condition: unknown, outcomes: ('ok' | 'error' | undefined)[], autocommit: boolean, where: string, depth = 0): boolean {
  if (!isObject(condition)) fail(where, 'expected a condition object');
  if (depth > MAX_CONDITION_DEPTH) fail(where, `conditions nest at most ${MAX_CONDITION_DEPTH} deep`);
  switch (condition.type) {
    case 'ok':
    case 'error': {
      const step = condition.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step >= outcomes.length) fail(where, 'a condition may only name an earlier step');
      return outcomes[step] === condition.type;
    }
    case 'not':
      return !conditionHolds(condition.cond, outcomes, autocommit, `${where}.cond`, depth + 1);
    case 'and':
    case 'or': {
      if (!Array.isArray(condition.conds)) fail(`${where}.conds`, 'expected an array');
      if (condition.conds.length > MAX_CONDITION_TERMS) fail(`${where}.conds`, `at most ${MAX_CONDITION_TERMS} terms`);
      const values = condition.conds.map((cond, index) => conditionHolds(cond, outcomes, autocommit, `${where}.conds[${index}]`, depth + 1));
      return condition.type === 'and' ? values.every(Boolean) : values.some(Boolean);
    }
    case 'is_autocommit':
      return autocommit;
    default:
      return fail(where, `unknown condition type '${String(condition.type)}'`);
  }
}
