import { Row } from '@dbforge/contracts';
import { UsageError, need, parseJson } from '../args';
import { Command } from '../command';
import { formatRows, rowCount } from '../table';

/** `column=value` arguments (or v1-style `a=1&b=2`) as rows filters; operators and `_` parameters pass through. */
function filtersOf(filters: string[]): Record<string, string> {
  return Object.fromEntries(
    filters.flatMap((filter) => filter.split('&')).map((filter) => {
      const at = filter.indexOf('=');
      if (at < 1) throw new UsageError(`filter "${filter}" must be column=value`);
      return [filter.slice(0, at), filter.slice(at + 1)];
    }),
  );
}

/** `id` or `a,b` (update) or `id:ignore`. */
function onConflict(spec: string): { columns: string[]; action: 'update' | 'ignore' } {
  const [list, action = 'update'] = spec.split(':');
  if (!list || (action !== 'update' && action !== 'ignore')) throw new UsageError(`--on-conflict "${spec}" must be COL[,COL][:update|:ignore]`);
  return { columns: list.split(','), action };
}

export const insert: Command = {
  name: 'insert',
  usage: [{ synopsis: 'insert <db> <table> [JSON] [--file F]', summary: ['insert rows (a JSON array of objects; argument, file or stdin)'] }],
  async run({ args, flags, client, print, text }) {
    const [db, table, inline] = need(args, 2, 'insert <db> <table> [JSON] [--file F]');
    const rows = parseJson<Row[]>(await text(inline, 'the rows'), 'the rows');
    const conflict = flags.get('on-conflict');
    const list = Array.isArray(rows) ? rows : [rows];
    const result = typeof conflict === 'string' ? await client.upsertRows(db, table, list, onConflict(conflict)) : await client.insertRows(db, table, list);
    print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
    return 0;
  },
};

/** `insert --on-conflict`: the help lists it after `rows`, so it has an entry of its own; `insert` runs it. */
export const upsert: Command = {
  name: 'insert',
  usage: [{ synopsis: 'insert <db> <table> [JSON] --on-conflict COL[,COL][:ignore]', summary: ['upsert: update (or skip, with :ignore) rows colliding on COLs'] }],
  run: insert.run,
};

export const rows: Command = {
  name: 'rows',
  usage: [
    {
      synopsis: 'rows <db> <table> [column=value]... (or one v1-style "a=1&b=2")',
      summary: ['also column__gt|gte|lt|lte|ne|like|in|isnull=value, _select=a,b,', '_order=age.desc,name, _limit, _offset, _after=CURSOR, _count=true'],
    },
  ],
  async run({ args, client, print }) {
    const [db, table, ...filters] = need(args, 2, 'rows <db> <table> [column=value]...');
    const result = await client.rows(db, table, filtersOf(filters));
    print(
      result,
      () =>
        formatRows(result.data, `${rowCount(result.rows_affected)}${result.matched === undefined ? '' : ` of ${result.matched}`}`) +
        (result.next_cursor ? `\nmore: _after=${result.next_cursor}` : ''),
    );
    return 0;
  },
};

export const updateRows: Command = {
  name: 'update-rows',
  usage: [{ synopsis: 'update-rows <db> <table> <SET-JSON> [column=value]... [--all]', summary: ['set columns on the matching rows (no filters: needs --all)'] }],
  async run({ args, flags, client, print }) {
    const [db, table, set, ...filters] = need(args, 3, 'update-rows <db> <table> <SET-JSON> [column=value]... [--all]');
    const result = await client.updateRows(db, table, filtersOf(filters), parseJson<Row>(set, 'the columns to set'), { all: flags.has('all') });
    print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
    return 0;
  },
};

export const deleteRows: Command = {
  name: 'delete-rows',
  usage: [{ synopsis: 'delete-rows <db> <table> [column=value]... [--all]', summary: ['delete the matching rows (no filters: needs --all)'] }],
  async run({ args, flags, client, print }) {
    const [db, table, ...filters] = need(args, 2, 'delete-rows <db> <table> [column=value]... [--all]');
    const result = await client.deleteRows(db, table, filtersOf(filters), { all: flags.has('all') });
    print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
    return 0;
  },
};
