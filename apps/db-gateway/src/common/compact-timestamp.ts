/** The pattern of a compact timestamp, for names that carry one (snapshot ids, trash ids). */
export const COMPACT_TIMESTAMP = String.raw`\d{8}T\d{9}Z`;

/** `20261128T121500123Z`: a UTC time that sorts as text and is safe in a file name. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

/** The ISO 8601 time of a compact timestamp (`20261128T121500123Z` -> `2026-11-28T12:15:00.123Z`). */
export function isoOfCompactTimestamp(stamp: string): string {
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
}
