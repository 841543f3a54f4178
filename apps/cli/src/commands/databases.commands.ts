import { need, uploadOf } from '../args';
import { Command } from '../command';
import { formatTable } from '../table';

export const spawn: Command = {
  name: 'spawn',
  usage: [
    { synopsis: 'spawn <db>', summary: ['create a database (or say it exists)'] },
    { synopsis: 'spawn <db> --from FILE [--sql|--sqlite]', summary: ['create a database from a SQLite file or an SQL dump'] },
  ],
  async run({ args, flags, client, print }) {
    const [db] = need(args, 1, 'spawn <db> [--from FILE]');
    const from = flags.get('from');
    const upload = typeof from === 'string' ? uploadOf(from, flags) : undefined;
    const result = upload ? await client.spawnFromUpload(db, upload.content, upload.kind) : await client.spawn(db);
    print(result, () => `${result.message} (${result.db_name}${result.container_id ? `, container ${result.container_id.slice(0, 12)}` : ''})`);
    return 0;
  },
};

export const prune: Command = {
  name: 'prune',
  usage: [{ synopsis: 'prune <db>', summary: ['remove its worker, keep its data'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'prune <db>');
    const result = await client.prune(db);
    print(result, () => result.message);
    return 0;
  },
};

export const list: Command = {
  name: 'list',
  usage: [{ synopsis: 'list', summary: ['active databases'] }],
  async run({ client, print }) {
    const result = await client.list();
    print(result, () => formatTable(result as unknown as Record<string, unknown>[]));
    return 0;
  },
};

export const describe: Command = {
  name: 'describe',
  usage: [{ synopsis: 'describe <db>', summary: ['worker, state, file sizes, tables, pages, last write'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'describe <db>');
    const result = await client.describe(db);
    print(result, () => JSON.stringify(result, null, 2));
    return 0;
  },
};

export const reconcile: Command = {
  name: 'reconcile',
  usage: [{ synopsis: 'reconcile', summary: ['make workers match the catalog'] }],
  async run({ client, print }) {
    const result = await client.reconcile();
    print(result, () => Object.entries(result).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('\n'));
    return 0;
  },
};

// `delete` is a reserved word, hence the longer name.
export const deleteDatabase: Command = {
  name: 'delete',
  usage: [{ synopsis: 'delete <db>', summary: ['move a database to the trash (worker removed)'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'delete <db>');
    const result = await client.deleteDatabase(db);
    print(result, () => `${result.message} trash_id=${result.trash_id} purge_after=${result.purge_after}`);
    return 0;
  },
};

export const undelete: Command = {
  name: 'undelete',
  usage: [{ synopsis: 'undelete <db>', summary: ['bring back its newest trashed copy and spawn it'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'undelete <db>');
    const result = await client.undelete(db);
    print(result, () => `${result.message} trash_id=${result.trash_id}`);
    return 0;
  },
};

export const purge: Command = {
  name: 'purge',
  usage: [{ synopsis: 'purge <db>', summary: ['remove its trashed copies from disk'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'purge <db>');
    const result = await client.purge(db);
    print(result, () => result.message);
    return 0;
  },
};

export const trash: Command = {
  name: 'trash',
  usage: [{ synopsis: 'trash', summary: ['deleted databases and when they are purged'] }],
  async run({ client, print }) {
    const result = await client.listTrash();
    print(result, () => (result.length === 0 ? '(the trash is empty)' : formatTable(result as unknown as Record<string, unknown>[])));
    return 0;
  },
};
