import { ErrorBodyDto, ErrorCode } from '@dbforge/contracts';

/** A DB-Forge error response: its status, its contract error code and the server's message. */
export class DbForgeError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE',
    message: string,
  ) {
    super(message);
    this.name = 'DbForgeError';
  }

  static fromBody(status: number, body: unknown): DbForgeError {
    const error = (body as Partial<ErrorBodyDto> | null)?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') return new DbForgeError(status, error.code, error.message);
    const detail = (body as { detail?: unknown } | null)?.detail;
    return new DbForgeError(status, 'UNEXPECTED_RESPONSE', typeof detail === 'string' ? detail : `HTTP ${status}`);
  }
}
