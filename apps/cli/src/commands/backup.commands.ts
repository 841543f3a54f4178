import { RestoreDatabaseResponseDto } from '@dbforge/contracts';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { need, uploadOf } from '../args';
import { Command } from '../command';
import { formatTable } from '../table';

/** Writes a download to `file`, removing what was written if it fails half-way. */
async function saveTo(stream: ReadableStream<Uint8Array>, file: string): Promise<number> {
  let bytes = 0;
  const source = Readable.fromWeb(stream as NodeReadableStream<Uint8Array>).on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(source, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return bytes;
}

/** One line for a restore's answer; a database whose file was missing had no previous version to keep. */
function restored(result: RestoreDatabaseResponseDto): string {
  const previous = result.previous_snapshot === null ? 'none (the file was missing)' : `snapshot ${result.previous_snapshot}`;
  return `${result.message} (${result.db_name}, ${result.size_bytes} bytes; previous version: ${previous})`;
}

export const backup: Command = {
  name: 'backup',
  usage: [{ synopsis: 'backup <db> [-o FILE]', summary: ['a consistent copy (SQLite file); default FILE ./<db>-<UTC time>.db'] }],
  async run({ args, flags, client, print }) {
    const [db] = need(args, 1, 'backup <db> [-o FILE]');
    const output = flags.get('output');
    const file = typeof output === 'string' ? output : `${db}-${new Date().toISOString().replace(/[-:.]/g, '')}.db`;
    const bytes = await saveTo(await client.backupStream(db), file);
    print({ file, size_bytes: bytes }, () => `Backup of ${db} written to ${file} (${bytes} bytes)`);
    return 0;
  },
};

// `export` is a reserved word, hence the longer name.
export const exportSql: Command = {
  name: 'export',
  usage: [{ synopsis: 'export <db> [-o FILE]', summary: ['an SQL dump that recreates the database (to standard output without -o)'] }],
  async run({ args, flags, client, io, print }) {
    const [db] = need(args, 1, 'export <db> [-o FILE]');
    const output = flags.get('output');
    const stream = await client.exportSqlStream(db);
    if (typeof output === 'string') {
      const bytes = await saveTo(stream, output);
      print({ file: output, size_bytes: bytes }, () => `SQL dump of ${db} written to ${output} (${bytes} bytes)`);
      return 0;
    }
    const decoder = new TextDecoder();
    for await (const chunk of Readable.fromWeb(stream as NodeReadableStream<Uint8Array>)) io.stdout(decoder.decode(chunk as Buffer, { stream: true }));
    io.stdout(decoder.decode());
    return 0;
  },
};

export const snapshot: Command = {
  name: 'snapshot',
  usage: [{ synopsis: 'snapshot <db>', summary: ['take a snapshot now'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'snapshot <db>');
    const result = await client.createSnapshot(db);
    print(result, () => `Snapshot ${result.id} of ${db} taken (${result.size_bytes} bytes)`);
    return 0;
  },
};

export const snapshots: Command = {
  name: 'snapshots',
  usage: [{ synopsis: 'snapshots <db>', summary: ['list snapshots, newest first'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'snapshots <db>');
    const result = await client.listSnapshots(db);
    print(result, () => (result.length ? formatTable(result as unknown as Record<string, unknown>[]) : '(no snapshots)'));
    return 0;
  },
};

export const snapshotDelete: Command = {
  name: 'snapshot-delete',
  usage: [{ synopsis: 'snapshot-delete <db> <snapshot_id>', summary: ['delete a snapshot'] }],
  async run({ args, client, print }) {
    const [db, id] = need(args, 2, 'snapshot-delete <db> <snapshot_id>');
    await client.deleteSnapshot(db, id);
    print({ deleted: id }, () => `Snapshot ${id} deleted`);
    return 0;
  },
};

export const restore: Command = {
  name: 'restore',
  usage: [
    {
      synopsis: 'restore <db> <FILE> [--sql|--sqlite]',
      summary: ['replace the content with a SQLite file or an SQL dump', '(.sql/.txt files are dumps; the old version becomes a snapshot)'],
    },
    { synopsis: 'restore <db> --at <ISO 8601 time>', summary: ['the database as it was then, from its continuous replica'] },
  ],
  async run({ args, flags, client, print }) {
    const at = flags.get('at');
    if (typeof at === 'string') {
      const [db] = need(args, 1, 'restore <db> --at <ISO 8601 time>');
      const result = await client.restoreAt(db, at);
      print(result, () => restored(result));
      return 0;
    }
    const [db, file] = need(args, 2, 'restore <db> <FILE> [--sql|--sqlite]');
    const upload = uploadOf(file, flags);
    const result = await client.restore(db, upload.content, upload.kind);
    print(result, () => restored(result));
    return 0;
  },
};

export const restoreSnapshot: Command = {
  name: 'restore-snapshot',
  usage: [{ synopsis: 'restore-snapshot <db> <snapshot_id>', summary: ['replace the content with one of its snapshots'] }],
  async run({ args, client, print }) {
    const [db, id] = need(args, 2, 'restore-snapshot <db> <snapshot_id>');
    const result = await client.restoreSnapshot(db, id);
    print(result, () => restored(result));
    return 0;
  },
};

export const branch: Command = {
  name: 'branch',
  usage: [{ synopsis: 'branch <new_db> --from <db> [--at <ISO 8601 time>]', summary: ['a new database from <db> as it was then (its latest state without --at)'] }],
  async run({ args, flags, client, print }) {
    const [db] = need(args, 1, 'branch <new_db> --from <db> [--at <ISO 8601 time>]');
    const from = flags.get('from');
    if (typeof from !== 'string') throw new Error('branch needs --from <db>.');
    const at = flags.get('at');
    const result = await client.branch(db, from, typeof at === 'string' ? at : undefined);
    print(result, () => `Branch ${db} of ${from} spawned${typeof at === 'string' ? ` as it was at ${at}` : ''}`);
    return 0;
  },
};

export const recover: Command = {
  name: 'recover',
  usage: [{ synopsis: 'recover <db>', summary: ['bring back a database from its continuous replica alone'] }],
  async run({ args, client, print }) {
    const [db] = need(args, 1, 'recover <db>');
    const result = await client.recover(db);
    print(result, () => `Recovered ${db} from its replica`);
    return 0;
  },
};
