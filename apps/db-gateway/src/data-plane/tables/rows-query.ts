import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';

/** SQLite's type affinity of a column, from its declared type (https://sqlite.org/datatype3.html#determination_of_column_affinity). */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function affinityOf(declaredType: string): Affinity {
  const type = declaredType.toUpperCase();
  if (type.includes('INT')) return 'INTEGER';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT';
  if (type === '' || type.includes('BLOB')) return 'BLOB';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

export const FILTER_OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'ne', 'like', 'in', 'isnull'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** A query-string value bound as SQLite would read the literal for this column: numbers as numbers where the affinity is numeric. */
export type FilterValue = string | number;

export type RowsFilter =
  | { column: string; operator: 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'ne' | 'like'; value: FilterValue }
  | { column: string; operator: 'in'; values: FilterValue[] }
  | { column: string; operator: 'isnull'; isNull: boolean };

export interface OrderKey {
  column: string;
  descending: boolean;
  nullsFirst: boolean;
}

/** A rows request, parsed from its query string and checked against the table's columns. */
export interface RowsQuery {
  filters: RowsFilter[];
  /** Columns to return; undefined: all (`SELECT *`). */
  select?: string[];
  order: OrderKey[];
  limit?: number;
  offset?: number;
  /** The `_after` cursor as given (decoded against the table's keys when the statement is built). */
  after?: string;
  count: boolean;
  /** `_all=true`: an update or delete without filters is meant. */
  all: boolean;
}

export type RowsQueryKind = 'read' | 'write';

/** The columns of a table as the rows API needs them. */
export interface TableShape {
  name: string;
  /** Column name to affinity, in table order. */
  columns: Map<string, Affinity>;
  /**
   * The expressions that identify a row in a stable order, used as the cursor's tiebreaker: `rowid`
   * (or the name SQLite still answers to when columns shadow it), the primary key of a WITHOUT ROWID
   * table; empty for a view, which then pages by offset only.
   */
  rowKey: string[];
}

const READ_PARAMETERS = new Set(['_select', '_order', '_limit', '_offset', '_after', '_count']);
const WRITE_PARAMETERS = new Set(['_all']);
const ALL_RESERVED = new Set([...READ_PARAMETERS, ...WRITE_PARAMETERS]);
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
const unknownColumn = (name: string, table: string) => new DomainError(ErrorCode.UNKNOWN_COLUMN, `Unknown column '${name}' in table '${table}'.`);

/** A query-string value typed as SQLite would type the literal `value` compared with a column of this affinity. */
export function typedValue(value: string, affinity: Affinity): FilterValue {
  if (affinity === 'TEXT' || affinity === 'BLOB' || !NUMERIC.test(value.trim())) return value;
  const number = Number(value);
  if (!Number.isFinite(number) || (Number.isInteger(number) && !Number.isSafeInteger(number))) return value;
  return number;
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`${name} must be true or false.`);
}

function parseCount(name: string, value: string, max?: number): number {
  if (!/^\d{1,15}$/.test(value) || (max !== undefined && Number(value) > max)) {
    throw invalid(`${name} must be a whole number from 0${max === undefined ? '' : ` to ${max}`}.`);
  }
  return Number(value);
}

function columnList(name: string, value: string, table: TableShape): string[] {
  const names = value.split(',');
  if (value === '' || names.some((column) => column === '')) throw invalid(`${name} must be a comma-separated list of columns.`);
  for (const column of names) if (!table.columns.has(column)) throw unknownColumn(column, table.name);
  return [...new Set(names)];
}

function parseOrder(value: string, table: TableShape): OrderKey[] {
  if (value === '') throw invalid('_order must be a comma-separated list of column[.asc|.desc][.nullsfirst|.nullslast].');
  return value.split(',').map((item) => {
    let column = item;
    let descending = false;
    let nulls: boolean | undefined;
    // Exact column names win over suffixes, as for filters: a column may be called `x.desc`.
    for (let peeled = 0; peeled < 2 && !table.columns.has(column); peeled++) {
      const match = /\.(asc|desc|nullsfirst|nullslast)$/.exec(column);
      if (!match) break;
      if (match[1] === 'asc' || match[1] === 'desc') descending = match[1] === 'desc';
      else nulls = match[1] === 'nullsfirst';
      column = column.slice(0, match.index);
    }
    if (column === '') throw invalid(`_order item '${item}' names no column.`);
    if (!table.columns.has(column)) throw unknownColumn(column, table.name);
    // SQLite's default: NULLs sort first ascending, last descending.
    return { column, descending, nullsFirst: nulls ?? !descending };
  });
}

function parseFilter(name: string, value: string, table: TableShape): RowsFilter {
  let column = name;
  let operator: string = 'eq';
  if (!table.columns.has(name)) {
    const at = name.lastIndexOf('__');
    if (at <= 0 || !table.columns.has(name.slice(0, at))) throw unknownColumn(name, table.name);
    column = name.slice(0, at);
    operator = name.slice(at + 2);
  }
  const affinity = table.columns.get(column) as Affinity;
  switch (operator) {
    case 'eq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
    case 'ne':
      return { column, operator, value: typedValue(value, affinity) };
    case 'like':
      return { column, operator, value };
    case 'in': {
      if (value === '') throw invalid(`${name} needs at least one value: ${name}=a,b.`);
      return { column, operator, values: value.split(',').map((item) => typedValue(item, affinity)) };
    }
    case 'isnull':
      return { column, operator, isNull: parseBoolean(name, value) };
    default:
      throw new DomainError(
        ErrorCode.UNKNOWN_OPERATOR,
        `Unknown operator '__${operator}' in '${name}'; use one of ${FILTER_OPERATORS.filter((op) => op !== 'eq').map((op) => `__${op}`).join(', ')}.`,
      );
  }
}

/**
 * Parses a rows request's query string against the table: `column=value` and `column__op=value` filters
 * (an exact column name wins over operator parsing), reserved `_name` parameters. Reads accept
 * `_select _order _limit _offset _after _count`; updates and deletes accept `_all`.
 */
export function parseRowsQuery(params: Record<string, unknown>, table: TableShape, kind: RowsQueryKind, maxRows: number): RowsQuery {
  const query: RowsQuery = { filters: [], order: [], count: false, all: false };
  const allowed = kind === 'read' ? READ_PARAMETERS : WRITE_PARAMETERS;
  for (const [name, raw] of Object.entries(params)) {
    if (typeof raw !== 'string') {
      throw invalid(
        name.startsWith('_') && ALL_RESERVED.has(name) ? `Parameter '${name}' must be given once.` : `Filter '${name}' must be given once, as column=value.`,
      );
    }
    if (ALL_RESERVED.has(name)) {
      if (!allowed.has(name)) {
        throw invalid(
          kind === 'read'
            ? `Parameter '${name}' applies only to PATCH and DELETE.`
            : `Parameter '${name}' is not supported on PATCH and DELETE; they change every row that matches the filters.`,
        );
      }
      switch (name) {
        case '_select':
          query.select = columnList(name, raw, table);
          break;
        case '_order':
          query.order = parseOrder(raw, table);
          break;
        case '_limit':
          query.limit = parseCount(name, raw, maxRows);
          break;
        case '_offset':
          query.offset = parseCount(name, raw);
          break;
        case '_after':
          if (raw === '') throw new DomainError(ErrorCode.INVALID_CURSOR, '_after must be a next_cursor from a previous page.');
          query.after = raw;
          break;
        case '_count':
          query.count = parseBoolean(name, raw);
          break;
        case '_all':
          query.all = parseBoolean(name, raw);
          break;
      }
    } else if (name.startsWith('_') && !table.columns.has(name) && !table.columns.has(name.slice(0, Math.max(name.lastIndexOf('__'), 0)))) {
      throw invalid(`Unknown parameter '${name}'; reserved parameters are ${[...allowed].join(', ')}, and it is not a column of '${table.name}'.`);
    } else {
      query.filters.push(parseFilter(name, raw, table));
    }
  }
  if (query.after !== undefined && query.offset !== undefined) throw invalid('_after and _offset cannot be combined: the cursor already says where the page starts.');
  return query;
}
