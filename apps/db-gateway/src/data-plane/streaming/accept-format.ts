/** How rows are sent: one JSON document (v1), or streamed as NDJSON or CSV. */
export type RowFormat = 'json' | 'ndjson' | 'csv';

export const STREAM_CONTENT_TYPES: Record<Exclude<RowFormat, 'json'>, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

const MEDIA_FORMATS: Record<string, RowFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
};

/**
 * The format the `Accept` header prefers among those DB-Forge speaks. JSON unless NDJSON or CSV is
 * asked for with a higher (or, listed first, equal) quality: `*\/*`, no header or a type it does not
 * speak keep v1's JSON, so no existing client changes behaviour.
 */
export function negotiateRowFormat(accept: string | undefined): RowFormat {
  if (!accept) return 'json';
  let best: { format: RowFormat; quality: number } = { format: 'json', quality: 0 };
  for (const part of accept.split(',')) {
    const [type, ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const format = MEDIA_FORMATS[type];
    if (!format) continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    if (Number.isFinite(quality) && quality > best.quality) best = { format, quality };
  }
  return best.format;
}
