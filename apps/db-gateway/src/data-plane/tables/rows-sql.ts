import { ErrorCode, Row } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { rowsWithin } from '../../sqlite/result-limits';
import { SqliteRow, SqliteValue } from '../../sqlite/sqlite.port';
import { toBindable } from '../statements/bound-statement';
import { OrderKey, RowsFilter, RowsQuery, TableShape } from './rows-query';
import { quoteIdentifier } from './sql-identifiers';

/** A statement ready for the driver: SQL with `?` placeholders only, and the values they bind. */
export interface RowsStatement {
  sql: string;
  bindings: unknown[];
}

/**
 * A rows read. `keyColumns` are aliases the statement adds after the requested columns (the order keys and
 * the row key); the caller takes the cursor from the last row's values and removes them from the rows
 * (`pageOf`). `limit` is the page size; the statement fetches one row more to tell whether more remain.
 */
export interface RowsSelect extends RowsStatement {
  keyColumns: string[];
  limit: number;
  /** False for a view: it has no row key, so no cursor. */
  cursorable: boolean;
}

const KEY_ALIAS = '__dbforge_key_';
const CURSOR_VERSION = 1;

interface CursorKey {
  expression: string;
  descending: boolean;
  nullsFirst: boolean;
}

type CursorValue = string | number | null | { b: string };

function keysOf(table: TableShape, order: OrderKey[]): CursorKey[] {
  return [
    ...order.map((key) => ({ expression: quoteIdentifier(key.column), descending: key.descending, nullsFirst: key.nullsFirst })),
    ...table.rowKey.map((expression) => ({ expression, descending: false, nullsFirst: true })),
  ];
}

/** What a cursor is bound to: the table's row key and the order, so one made for another query is refused. */
function signatureOf(table: TableShape, order: OrderKey[]): string {
  return JSON.stringify([table.rowKey, order.map((key) => [key.column, key.descending, key.nullsFirst])]);
}

function whereOf(filters: RowsFilter[]): RowsStatement {
  const clauses: string[] = [];
  const bindings: unknown[] = [];
  for (const filter of filters) {
    const column = quoteIdentifier(filter.column);
    switch (filter.operator) {
      case 'isnull':
        clauses.push(`${column} IS ${filter.isNull ? '' : 'NOT '}NULL`);
        break;
      case 'in':
        clauses.push(`${column} IN (${filter.values.map(() => '?').join(', ')})`);
        bindings.push(...filter.values);
        break;
      default: {
        const sqlOperator = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=', ne: '<>', like: 'LIKE' }[filter.operator];
        clauses.push(`${column} ${sqlOperator} ?`);
        bindings.push(filter.value);
      }
    }
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '', bindings };
}

/** Rows strictly after `values` in the order of `keys`: (k1 > v1) OR (k1 IS v1 AND k2 > v2) OR ..., NULL-aware. */
function afterOf(keys: CursorKey[], values: SqliteValue[]): RowsStatement {
  const alternatives: string[] = [];
  const bindings: unknown[] = [];
  keys.forEach((key, index) => {
    const parts: string[] = [];
    const partBindings: unknown[] = [];
    for (let previous = 0; previous < index; previous++) {
      parts.push(`${keys[previous].expression} IS ?`);
      partBindings.push(values[previous]);
    }
    const value = values[index];
    if (value === null) {
      // Past NULL come the non-NULL values when NULLs sort first; nothing when they sort last.
      if (!key.nullsFirst) return;
      parts.push(`${key.expression} IS NOT NULL`);
    } else {
      const comparison = `${key.expression} ${key.descending ? '<' : '>'} ?`;
      parts.push(key.nullsFirst ? comparison : `(${comparison} OR ${key.expression} IS NULL)`);
      partBindings.push(value);
    }
    alternatives.push(`(${parts.join(' AND ')})`);
    bindings.push(...partBindings);
  });
  return { sql: alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : '0', bindings };
}

function encodeCursor(signature: string, values: SqliteValue[]): string {
  const encoded: CursorValue[] = values.map((value) =>
    Buffer.isBuffer(value) ? { b: value.toString('base64') } : typeof value === 'bigint' ? value.toString() : value,
  );
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, s: signature, k: encoded })).toString('base64url');
}

function decodeCursor(cursor: string, signature: string, count: number): SqliteValue[] {
  const refuse = (why: string) => new DomainError(ErrorCode.INVALID_CURSOR, `_after is not a valid cursor: ${why}. Use the next_cursor of a previous page with the same _order.`);
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse('it is not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse('it does not decode');
  }
  if (typeof parsed !== 'object' || parsed === null) throw refuse('it does not decode');
  const { v, s, k } = parsed as { v?: unknown; s?: unknown; k?: unknown };
  if (v !== CURSOR_VERSION || typeof s !== 'string' || !Array.isArray(k)) throw refuse('it does not decode');
  if (s !== signature || k.length !== count) throw refuse('it was made for another order or table');
  return k.map((value: unknown): SqliteValue => {
    if (value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
    if (typeof value === 'object' && typeof (value as { b?: unknown }).b === 'string') return Buffer.from((value as { b: string }).b, 'base64');
    throw refuse('it holds a value of the wrong type');
  });
}

/**
 * The SELECT for a rows read: filters, `_after` keyset, order (the requested keys, then the row key so
 * pages are stable), limit and offset, all values bound. Exported so other readers (streaming) can run it.
 */
export function buildRowsSelect(table: TableShape, query: RowsQuery, maxRows: number): RowsSelect {
  const cursorable = table.rowKey.length > 0;
  const keys = keysOf(table, query.order);
  const where = whereOf(query.filters);
  const conditions = where.sql === '' ? [] : [where.sql];
  const bindings = [...where.bindings];
  if (query.after !== undefined) {
    if (!cursorable) throw new DomainError(ErrorCode.INVALID_CURSOR, `_after needs a table with a rowid or primary key; '${table.name}' pages with _offset.`);
    const after = afterOf(keys, decodeCursor(query.after, signatureOf(table, query.order), keys.length));
    conditions.push(after.sql);
    bindings.push(...after.bindings);
  }
  const keyColumns = cursorable ? keys.map((_, index) => `${KEY_ALIAS}${index}`) : [];
  const selected = [query.select ? query.select.map(quoteIdentifier).join(', ') : '*', ...keyColumns.map((alias, index) => `${keys[index].expression} AS ${quoteIdentifier(alias)}`)];
  const orderBy = keys.map((key) => `${key.expression}${key.descending ? ' DESC' : ''}${key.nullsFirst === !key.descending ? '' : key.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST'}`);
  const limit = query.limit ?? maxRows;
  const sql = [
    `SELECT ${selected.join(', ')} FROM ${quoteIdentifier(table.name)}`,
    conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '',
    orderBy.length > 0 ? `ORDER BY ${orderBy.join(', ')}` : '',
    'LIMIT ? OFFSET ?',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return { sql, bindings: [...bindings, limit + 1, query.offset ?? 0], keyColumns, limit, cursorable };
}

/** `SELECT count(*)` of the rows the filters match (not limited, not after a cursor). */
export function buildRowsCount(table: TableShape, query: RowsQuery): RowsStatement {
  const where = whereOf(query.filters);
  return { sql: `SELECT count(*) AS matched FROM ${quoteIdentifier(table.name)}${where.sql ? ` WHERE ${where.sql}` : ''}`, bindings: where.bindings };
}

function requireFilterOrAll(query: RowsQuery, verb: string): void {
  if (query.filters.length === 0 && !query.all) {
    throw new DomainError(ErrorCode.UNFILTERED_WRITE, `Refusing to ${verb} every row: give filters, or _all=true to ${verb} them all.`);
  }
}

export function buildRowsUpdate(table: TableShape, query: RowsQuery, set: Row): RowsStatement {
  const names = Object.keys(set);
  if (names.length === 0) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'set must name at least one column.');
  for (const name of names) {
    if (!table.columns.has(name)) throw new DomainError(ErrorCode.UNKNOWN_COLUMN, `Unknown column '${name}' in table '${table.name}'.`);
  }
  requireFilterOrAll(query, 'update');
  const where = whereOf(query.filters);
  return {
    sql: `UPDATE ${quoteIdentifier(table.name)} SET ${names.map((name) => `${quoteIdentifier(name)} = ?`).join(', ')}${where.sql ? ` WHERE ${where.sql}` : ''}`,
    bindings: [...names.map((name) => toBindable(set[name])), ...where.bindings],
  };
}

export function buildRowsDelete(table: TableShape, query: RowsQuery): RowsStatement {
  requireFilterOrAll(query, 'delete');
  const where = whereOf(query.filters);
  return { sql: `DELETE FROM ${quoteIdentifier(table.name)}${where.sql ? ` WHERE ${where.sql}` : ''}`, bindings: where.bindings };
}

/** Splits the fetched rows (up to limit + 1) into the page, whether more remain, and the cursor after the page. */
export function pageOf(select: RowsSelect, table: TableShape, query: RowsQuery, rows: SqliteRow[], maxBytes: number): { rows: SqliteRow[]; more: boolean; nextCursor?: string } {
  // The page ends at `_limit` or where the rows pass DBFORGE_MAX_RESULT_BYTES, whichever comes first.
  const fit = rowsWithin(rows, { maxRows: select.limit, maxBytes });
  if (fit === 0 && rows.length > 0 && select.limit > 0) {
    throw new DomainError(ErrorCode.RESULT_TOO_LARGE, `The first row alone is larger than DBFORGE_MAX_RESULT_BYTES (${maxBytes} bytes): choose fewer columns with _select.`);
  }
  const more = fit < rows.length;
  const page = rows.slice(0, fit);
  const last = page[page.length - 1];
  const nextCursor = more && select.cursorable && last ? encodeCursor(signatureOf(table, query.order), select.keyColumns.map((alias) => last[alias])) : undefined;
  for (const row of page) for (const alias of select.keyColumns) delete row[alias];
  return { rows: page, more, nextCursor };
}
