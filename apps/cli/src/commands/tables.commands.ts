import { ColumnDefinitionDto } from '@dbforge/contracts';
import { readFileSync } from 'node:fs';
import { UsageError, need, parseJson } from '../args';
import { Command } from '../command';
import { checkColumnType } from '../column-types';
import { formatTable } from '../table';

/** `name:TYPE[:pk][:notnull]`, as create-table and add-column take a column. */
function column(spec: string, anyType: boolean): ColumnDefinitionDto {
  const [name, type, ...options] = spec.split(':');
  if (!name || !type) throw new UsageError(`column "${spec}" must be name:TYPE[:pk][:notnull]`);
  if (!anyType) checkColumnType(type, `column "${spec}"`);
  return { name, type, primary_key: options.includes('pk') || undefined, not_null: options.includes('notnull') || undefined };
}

export const tables: Command = {
  name: 'tables',
  usage: [{ synopsis: 'tables <db> [table]', summary: ['the schema: tables, columns, indexes, row counts'] }],
  async run({ args, client, print }) {
    const [db, table] = need(args, 1, 'tables <db> [table]');
    const result = table ? [await client.table(db, table)] : await client.tables(db);
    print(table ? result[0] : result, () =>
      result
        .map((info) => `${info.name} (${info.type}${info.row_count === null ? '' : `, ${info.row_count} rows`})\n${formatTable(info.columns as unknown as Record<string, unknown>[])}`)
        .join('\n\n'),
    );
    return 0;
  },
};

export const createTable: Command = {
  name: 'create-table',
  usage: [
    { synopsis: 'create-table <db> <table> <name:TYPE[:pk][:notnull]>... [--any-type]' },
    { synopsis: 'create-table <db> <table> --file F', summary: ['columns (or a whole v1 request body) from a JSON file'] },
  ],
  async run({ args, flags, client, print }) {
    const [db, table, ...columns] = need(args, 2, 'create-table <db> <table> <name:TYPE[:pk][:notnull]>... | --file F');
    const file = flags.get('file');
    let definitions: ColumnDefinitionDto[];
    if (typeof file === 'string') {
      // v1's client.sh took a JSON file: the whole request body, or just the columns.
      const body = parseJson<{ columns?: ColumnDefinitionDto[] } | ColumnDefinitionDto[]>(readFileSync(file, 'utf8'), file);
      definitions = Array.isArray(body) ? body : body.columns ?? [];
      if (!flags.has('any-type')) for (const definition of definitions) checkColumnType(definition.type, `column "${definition.name}" in ${file}`);
    } else {
      definitions = need(columns, 1, 'create-table <db> <table> <name:TYPE[:pk][:notnull]>...').map((spec) => column(spec, flags.has('any-type')));
    }
    const result = await client.createTable(db, { table_name: table, columns: definitions });
    print(result, () => result.message);
    return 0;
  },
};

export const dropTable: Command = {
  name: 'drop-table',
  usage: [{ synopsis: 'drop-table <db> <table>', summary: ['drop a table or view'] }],
  async run({ args, client, print }) {
    const [db, table] = need(args, 2, 'drop-table <db> <table>');
    const result = await client.deleteTable(db, table);
    print(result, () => result.message);
    return 0;
  },
};

export const addIndex: Command = {
  name: 'add-index',
  usage: [{ synopsis: 'add-index <db> <table> <column>... [--unique] [--name NAME]' }],
  async run({ args, flags, client, print }) {
    const [db, table, ...columns] = need(args, 3, 'add-index <db> <table> <column>... [--unique] [--name NAME]');
    const name = flags.get('name');
    const result = await client.addIndex(db, table, { columns, unique: flags.has('unique') || undefined, name: typeof name === 'string' ? name : undefined });
    print(result, () => result.message);
    return 0;
  },
};

export const addColumn: Command = {
  name: 'add-column',
  usage: [{ synopsis: 'add-column <db> <table> <name:TYPE[:notnull]> [--default JSON]' }],
  async run({ args, flags, client, print }) {
    const [db, table, spec] = need(args, 3, 'add-column <db> <table> <name:TYPE[:notnull]> [--default JSON]');
    const fallback = flags.get('default');
    const definition = { ...column(spec, flags.has('any-type')), ...(typeof fallback === 'string' ? { default: parseJson<string | number | boolean | null>(fallback, '--default') } : {}) };
    const result = await client.addColumn(db, table, definition);
    print(result, () => result.message);
    return 0;
  },
};
