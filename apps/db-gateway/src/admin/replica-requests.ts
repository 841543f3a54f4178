import { ErrorCode, isValidDatabaseName } from '@dbforge/contracts';
import type { Request } from 'express';
import { mediaTypeOf } from '../backup/upload-source';
import { DomainError } from '../common/domain.error';

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);

/** An ISO 8601 moment with a date, a time and a zone (`2026-12-03T10:15:00Z`, `...+01:00`, fractions allowed). */
export function pointInTime(value: unknown, field: string): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? new Date(text) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw invalid(`${field} must be an ISO 8601 date and time with its zone, such as 2026-12-03T10:15:00Z.`);
  if (at.getTime() > Date.now() + 1000) throw invalid(`${field} is in the future.`);
  return at;
}

const isJson = (request: Request) => mediaTypeOf(request.headers['content-type'] ?? '') === 'application/json';
const bodyOf = (request: Request): Record<string, unknown> | undefined =>
  typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : undefined;

/** `{"from": "<db>", "timestamp"?: "<ISO 8601>"}` on a spawn makes a branch; any other spawn body keeps v1's meaning. */
export function branchRequestOf(request: Request): { from: string; timestamp?: Date } | undefined {
  const body = isJson(request) ? bodyOf(request) : undefined;
  if (!body || !('from' in body)) return undefined;
  const unknown = Object.keys(body).filter((key) => key !== 'from' && key !== 'timestamp');
  if (unknown.length > 0) throw invalid(`property ${unknown[0]} should not exist`);
  if (typeof body.from !== 'string' || !isValidDatabaseName(body.from)) throw invalid('from must be the name of a database.');
  return { from: body.from, timestamp: body.timestamp === undefined ? undefined : pointInTime(body.timestamp, 'timestamp') };
}

/** `{"timestamp": "<ISO 8601>"}` on a restore: a point-in-time restore from the replica. */
export function restoreTimeOf(request: Request): Date | undefined {
  if (!isJson(request)) return undefined;
  const body = bodyOf(request);
  if (!body || !('timestamp' in body)) return undefined; // not a point-in-time restore: an unsupported upload type (415)
  const unknown = Object.keys(body).filter((key) => key !== 'timestamp');
  if (unknown.length > 0) throw invalid(`property ${unknown[0]} should not exist`);
  return pointInTime(body.timestamp, 'timestamp');
}
