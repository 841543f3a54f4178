/** Rows as an aligned text table for people (JSON output is `--json`). */
export function formatTable(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => (value === null || value === undefined ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index])).join('  ').trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}

/** `1 row`, `2 rows`, `0 rows`. */
export function rowCount(count: number): string {
  return `${count} row${count === 1 ? '' : 's'}`;
}

/** Rows with their count under them, e.g. `(2 rows)`; an empty result is the count alone: `(0 rows)`. */
export function formatRows(rows: Record<string, unknown>[], count: string): string {
  return rows.length === 0 ? `(${count})` : `${formatTable(rows)}\n(${count})`;
}
