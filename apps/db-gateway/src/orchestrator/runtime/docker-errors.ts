import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';

interface DockerFailure {
  code?: string;
  statusCode?: number;
  message?: string;
  json?: { message?: string } | null;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function isDockerNotFound(error: unknown): boolean {
  return (error as DockerFailure | null)?.statusCode === 404;
}

/** dockerode's failures as domain errors: an engine that cannot be reached (503) or one that refused (502, with its reason). */
export function translateDockerError(error: unknown, action: string): DomainError {
  if (error instanceof DomainError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as DockerFailure;
  if ((failure.code && UNREACHABLE.has(failure.code)) || /socket hang up|^connect E[A-Z]+/i.test(failure.message ?? '')) {
    return new DomainError(ErrorCode.RUNTIME_UNAVAILABLE, `Docker engine is unreachable; cannot ${action} (${failure.code ?? failure.message}).`);
  }
  const reason = failure.json?.message ?? failure.message ?? String(error);
  return new DomainError(ErrorCode.RUNTIME_FAILURE, `Docker engine could not ${action}: ${reason}`);
}
