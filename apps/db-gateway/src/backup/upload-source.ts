import type { Readable } from 'node:stream';

/** What an uploaded body says about itself: read from the request by the controller, consumed by the restore service. */
export interface UploadSource {
  /** The Content-Type header, parameters included (`application/sql; charset=utf-8`), or '' when absent. */
  contentType: string;
  /** The Content-Encoding header, or '' when absent. */
  contentEncoding: string;
  /** True when the request announces a body (a non-zero Content-Length or a Transfer-Encoding). */
  hasBody: boolean;
  stream: Readable;
}

/** `file`: a SQLite database file; `sql`: an SQL dump to replay into a new database. */
export type UploadKind = 'file' | 'sql';

const KINDS: Record<string, UploadKind> = {
  'application/vnd.sqlite3': 'file',
  'application/x-sqlite3': 'file',
  'application/octet-stream': 'file',
  'application/sql': 'sql',
  'text/plain': 'sql',
};

export const UPLOAD_MEDIA_TYPES = Object.keys(KINDS);

/** The media type without parameters, lower-cased. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** The charset parameter, lower-cased, or undefined. */
export function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1].toLowerCase();
}

export function uploadKindOf(contentType: string): UploadKind | undefined {
  return KINDS[mediaTypeOf(contentType)];
}

/**
 * The kind of a spawn's body when it is an upload. `text/plain` is not one there: fetch() and many
 * HTTP libraries label any string body so, and v1 ignored spawn bodies, so such a spawn stays a v1 spawn.
 */
export function spawnUploadKindOf(contentType: string): UploadKind | undefined {
  return mediaTypeOf(contentType) === 'text/plain' ? undefined : uploadKindOf(contentType);
}
