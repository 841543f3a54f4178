import { DbForgeClient, DbForgeError, hasRows } from '@dbforge/client';
import { API_KEY_SCOPES, ApiKeyScope, ColumnDefinitionDto, RestoreDatabaseResponseDto, Row, SqlParams, StatementDto } from '@dbforge/contracts';
import { createWriteStream, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Parsed, UsageError, need, parse, parseJson, uploadOf } from './args';
import { formatTable } from './table';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  /** Writes bytes to standard output, resolving once it can take more (for streamed results). */
  stream: (chunk: Uint8Array) => Promise<void>;
  stderr: (text: string) => void;
  /** Standard input when it is piped, else undefined. */
  stdin: () => Promise<string | undefined>;
}

const USAGE = `dbforge — the DB-Forge command line

Usage: dbforge [--url URL] [--key KEY] [--json] <command> ...

  spawn <db>                          create a database (or say it exists)
  spawn <db> --from FILE [--sql|--sqlite]
                                      create a database from a SQLite file or an SQL dump
  prune <db>                          remove its worker, keep its data
  list                                active databases
  describe <db>                       worker, state, file sizes, tables, pages, last write
  reconcile                           make workers match the catalog
  query <db> [SQL] [--file F] [--params JSON] [--format ndjson|csv]
                                      run one statement (SQL from the argument, a file, or stdin);
                                      --format streams a read's rows as they are read, uncapped
  transaction <db> [JSON] [--file F] [--read-only]
                                      statements [{"sql":..., "params":...}, ...] all or none
  tables <db> [table]                 the schema: tables, columns, indexes, row counts
  create-table <db> <table> <name:TYPE[:pk][:notnull]>...
  create-table <db> <table> --file F  columns (or a whole v1 request body) from a JSON file
  insert <db> <table> [JSON] [--file F]
                                      insert rows (a JSON array of objects; argument, file or stdin)
  rows <db> <table> [column=value]... (or one v1-style "a=1&b=2")
                                      also column__gt|gte|lt|lte|ne|like|in|isnull=value, _select=a,b,
                                      _order=age.desc,name, _limit, _offset, _after=CURSOR, _count=true
  insert <db> <table> [JSON] --on-conflict COL[,COL][:ignore]
                                      upsert: update (or skip, with :ignore) rows colliding on COLs
  update-rows <db> <table> <SET-JSON> [column=value]... [--all]
                                      set columns on the matching rows (no filters: needs --all)
  delete-rows <db> <table> [column=value]... [--all]
                                      delete the matching rows (no filters: needs --all)
  drop-table <db> <table>             drop a table or view
  add-index <db> <table> <column>... [--unique] [--name NAME]
  add-column <db> <table> <name:TYPE[:notnull]> [--default JSON]
  delete <db>                         move a database to the trash (worker removed)
  undelete <db>                       bring back its newest trashed copy and spawn it
  purge <db>                          remove its trashed copies from disk
  trash                               deleted databases and when they are purged
  ping                                the greeting (v1 get_root)
  keys mint <db> --scope read|read-write [--expires SECONDS] [--name NAME]
  keys list <db>
  keys revoke <db> <key_id>
  health                              readiness report
  backup <db> [-o FILE]               a consistent copy (SQLite file); default FILE ./<db>-<UTC time>.db
  export <db> [-o FILE]               an SQL dump that recreates the database (to standard output without -o)
  snapshot <db>                       take a snapshot now
  snapshots <db>                      list snapshots, newest first
  snapshot-delete <db> <snapshot_id>  delete a snapshot
  restore <db> <FILE> [--sql|--sqlite]
                                      replace the content with a SQLite file or an SQL dump
                                      (.sql/.txt files are dumps; the old version becomes a snapshot)
  restore-snapshot <db> <snapshot_id> replace the content with one of its snapshots

The gateway URL comes from --url or DBFORGE_URL (default http://localhost:8000), the key from --key
or DBFORGE_KEY. Errors print the server's message and exit with status 1 (2 for usage errors).
`;

/** One line for a restore's answer; a database whose file was missing had no previous version to keep. */
function restored(result: RestoreDatabaseResponseDto): string {
  const previous = result.previous_snapshot === null ? 'none (the file was missing)' : `snapshot ${result.previous_snapshot}`;
  return `${result.message} (${result.db_name}, ${result.size_bytes} bytes; previous version: ${previous})`;
}

function column(spec: string): ColumnDefinitionDto {
  const [name, type, ...options] = spec.split(':');
  if (!name || !type) throw new UsageError(`column "${spec}" must be name:TYPE[:pk][:notnull]`);
  return { name, type, primary_key: options.includes('pk') || undefined, not_null: options.includes('notnull') || undefined };
}

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

/** Runs one CLI invocation; returns the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 2;
  }
  const { positional, flags } = parsed;
  const [command, ...args] = positional;
  if (!command || flags.has('help')) {
    io.stdout(USAGE);
    return command || flags.has('help') ? 0 : 2;
  }
  const json = flags.has('json');
  const client = new DbForgeClient({
    baseUrl: String(flags.get('url') ?? io.env.DBFORGE_URL ?? 'http://localhost:8000'),
    apiKey: (flags.get('key') as string | undefined) ?? io.env.DBFORGE_KEY,
  });
  const text = async (inline: string | undefined, what: string): Promise<string> => {
    const file = flags.get('file');
    if (typeof file === 'string') return readFileSync(file, 'utf8');
    if (inline !== undefined) return inline;
    const piped = await io.stdin();
    if (piped === undefined || piped.trim() === '') throw new UsageError(`give ${what} as an argument, with --file, or on standard input`);
    return piped;
  };
  const print = (value: unknown, human: () => string) => io.stdout(`${json ? JSON.stringify(value, null, 2) : human()}\n`);

  try {
    switch (command) {
      case 'spawn': {
        const [db] = need(args, 1, 'spawn <db> [--from FILE]');
        const from = flags.get('from');
        const upload = typeof from === 'string' ? uploadOf(from, flags) : undefined;
        const result = upload ? await client.spawnFromUpload(db, upload.content, upload.kind) : await client.spawn(db);
        print(result, () => `${result.message} (${result.db_name}${result.container_id ? `, container ${result.container_id.slice(0, 12)}` : ''})`);
        return 0;
      }
      case 'prune': {
        const [db] = need(args, 1, 'prune <db>');
        const result = await client.prune(db);
        print(result, () => result.message);
        return 0;
      }
      case 'list': {
        const result = await client.list();
        print(result, () => formatTable(result as unknown as Record<string, unknown>[]));
        return 0;
      }
      case 'describe': {
        const [db] = need(args, 1, 'describe <db>');
        const result = await client.describe(db);
        print(result, () => JSON.stringify(result, null, 2));
        return 0;
      }
      case 'reconcile': {
        const result = await client.reconcile();
        print(result, () => Object.entries(result).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('\n'));
        return 0;
      }
      case 'query': {
        const [db, inline] = need(args, 1, 'query <db> [SQL] [--file F] [--params JSON]');
        const sql = await text(inline, 'the SQL');
        const rawParams = flags.get('params');
        const params = typeof rawParams === 'string' ? parseJson<SqlParams>(rawParams, '--params') : undefined;
        const format = flags.get('format');
        if (format !== undefined) {
          if (format !== 'ndjson' && format !== 'csv') throw new UsageError('--format must be ndjson or csv');
          const body = await client.streamQuery(db, sql.trim(), params, format);
          try {
            for await (const chunk of body) await io.stream(chunk);
          } catch (error) {
            throw new DbForgeError(0, 'NETWORK_ERROR', `The stream broke off: ${error instanceof Error ? error.message : String(error)}`);
          }
          return 0;
        }
        const result = await client.query(db, sql.trim(), params);
        print(result, () =>
          hasRows(result)
            ? `${formatTable(result.data)}\n(${result.rows_affected} row${result.rows_affected === 1 ? '' : 's'}${result.truncated ? `; ${result.message}` : ''})`
            : `${result.message} rows_affected=${result.rows_affected} last_insert_id=${result.last_insert_id}`,
        );
        return 0;
      }
      case 'transaction': {
        const [db, inline] = need(args, 1, 'transaction <db> [JSON] [--file F] [--read-only]');
        const statements = parseJson<StatementDto[]>(await text(inline, 'the statements'), 'the statements');
        const result = await client.transaction(db, statements, { readOnly: flags.has('read-only') });
        print(result, () =>
          result.results
            .map((item, index) => `#${index + 1} ${hasRows(item) ? `${formatTable(item.data)}\n(${item.rows_affected} rows)` : `${item.message} rows_affected=${item.rows_affected}`}`)
            .join('\n'),
        );
        return 0;
      }
      case 'tables': {
        const [db, table] = need(args, 1, 'tables <db> [table]');
        const result = table ? [await client.table(db, table)] : await client.tables(db);
        print(table ? result[0] : result, () =>
          result
            .map((info) => `${info.name} (${info.type}${info.row_count === null ? '' : `, ${info.row_count} rows`})\n${formatTable(info.columns as unknown as Record<string, unknown>[])}`)
            .join('\n\n'),
        );
        return 0;
      }
      case 'create-table': {
        const [db, table, ...columns] = need(args, 2, 'create-table <db> <table> <name:TYPE[:pk][:notnull]>... | --file F');
        const file = flags.get('file');
        let definitions: ColumnDefinitionDto[];
        if (typeof file === 'string') {
          // v1's client.sh took a JSON file: the whole request body, or just the columns.
          const body = parseJson<{ columns?: ColumnDefinitionDto[] } | ColumnDefinitionDto[]>(readFileSync(file, 'utf8'), file);
          definitions = Array.isArray(body) ? body : body.columns ?? [];
        } else {
          definitions = need(columns, 1, 'create-table <db> <table> <name:TYPE[:pk][:notnull]>...').map(column);
        }
        const result = await client.createTable(db, { table_name: table, columns: definitions });
        print(result, () => result.message);
        return 0;
      }
      case 'insert': {
        const [db, table, inline] = need(args, 2, 'insert <db> <table> [JSON] [--file F]');
        const rows = parseJson<Row[]>(await text(inline, 'the rows'), 'the rows');
        const conflict = flags.get('on-conflict');
        const list = Array.isArray(rows) ? rows : [rows];
        const result = typeof conflict === 'string' ? await client.upsertRows(db, table, list, onConflict(conflict)) : await client.insertRows(db, table, list);
        print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
        return 0;
      }
      case 'rows': {
        const [db, table, ...filters] = need(args, 2, 'rows <db> <table> [column=value]...');
        const result = await client.rows(db, table, filtersOf(filters));
        print(
          result,
          () =>
            `${formatTable(result.data)}\n(${result.rows_affected} row${result.rows_affected === 1 ? '' : 's'}${result.matched === undefined ? '' : ` of ${result.matched}`})` +
            (result.next_cursor ? `\nmore: _after=${result.next_cursor}` : ''),
        );
        return 0;
      }
      case 'update-rows': {
        const [db, table, set, ...filters] = need(args, 3, 'update-rows <db> <table> <SET-JSON> [column=value]... [--all]');
        const result = await client.updateRows(db, table, filtersOf(filters), parseJson<Row>(set, 'the columns to set'), { all: flags.has('all') });
        print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
        return 0;
      }
      case 'delete-rows': {
        const [db, table, ...filters] = need(args, 2, 'delete-rows <db> <table> [column=value]... [--all]');
        const result = await client.deleteRows(db, table, filtersOf(filters), { all: flags.has('all') });
        print(result, () => `${result.message} rows_affected=${result.rows_affected}`);
        return 0;
      }
      case 'drop-table': {
        const [db, table] = need(args, 2, 'drop-table <db> <table>');
        const result = await client.deleteTable(db, table);
        print(result, () => result.message);
        return 0;
      }
      case 'add-index': {
        const [db, table, ...columns] = need(args, 3, 'add-index <db> <table> <column>... [--unique] [--name NAME]');
        const name = flags.get('name');
        const result = await client.addIndex(db, table, { columns, unique: flags.has('unique') || undefined, name: typeof name === 'string' ? name : undefined });
        print(result, () => result.message);
        return 0;
      }
      case 'add-column': {
        const [db, table, spec] = need(args, 3, 'add-column <db> <table> <name:TYPE[:notnull]> [--default JSON]');
        const fallback = flags.get('default');
        const definition = { ...column(spec), ...(typeof fallback === 'string' ? { default: parseJson<string | number | boolean | null>(fallback, '--default') } : {}) };
        const result = await client.addColumn(db, table, definition);
        print(result, () => result.message);
        return 0;
      }
      case 'delete': {
        const [db] = need(args, 1, 'delete <db>');
        const result = await client.deleteDatabase(db);
        print(result, () => `${result.message} trash_id=${result.trash_id} purge_after=${result.purge_after}`);
        return 0;
      }
      case 'undelete': {
        const [db] = need(args, 1, 'undelete <db>');
        const result = await client.undelete(db);
        print(result, () => `${result.message} trash_id=${result.trash_id}`);
        return 0;
      }
      case 'purge': {
        const [db] = need(args, 1, 'purge <db>');
        const result = await client.purge(db);
        print(result, () => result.message);
        return 0;
      }
      case 'trash': {
        const result = await client.listTrash();
        print(result, () => (result.length === 0 ? '(the trash is empty)' : formatTable(result as unknown as Record<string, unknown>[])));
        return 0;
      }
      case 'keys': {
        const [action, db, id] = need(args, 2, 'keys mint|list|revoke <db> ...');
        if (action === 'mint') {
          const scope = flags.get('scope');
          if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) throw new UsageError('keys mint needs --scope read or --scope read-write');
          const expires = flags.get('expires');
          const name = flags.get('name');
          const result = await client.mintKey(db, {
            scope: scope as ApiKeyScope,
            expires_in_seconds: typeof expires === 'string' ? Number(expires) : undefined,
            name: typeof name === 'string' ? name : undefined,
          });
          print(result, () => `${result.key}\n(${result.id}, ${result.scope}, expires ${result.expires_at ?? 'never'}; shown only now)`);
          return 0;
        }
        if (action === 'list') {
          const result = await client.listKeys(db);
          print(result, () => formatTable(result as unknown as Record<string, unknown>[]));
          return 0;
        }
        if (action === 'revoke') {
          need(args, 3, 'keys revoke <db> <key_id>');
          const result = await client.revokeKey(db, id);
          print(result, () => `${result.message} (${result.id})`);
          return 0;
        }
        throw new UsageError(`unknown keys action "${action}"`);
      }
      case 'ping': {
        const result = await client.ping();
        print(result, () => result.message);
        return 0;
      }
      case 'health': {
        const result = await client.ready();
        print(result, () => Object.entries(result.details).map(([name, check]) => `${check.status === 'up' ? 'up  ' : 'DOWN'} ${name}: ${check.detail ?? ''}`).join('\n'));
        return result.status === 'ok' ? 0 : 1;
      }
      case 'backup': {
        const [db] = need(args, 1, 'backup <db> [-o FILE]');
        const output = flags.get('output');
        const file = typeof output === 'string' ? output : `${db}-${new Date().toISOString().replace(/[-:.]/g, '')}.db`;
        const bytes = await saveTo(await client.backupStream(db), file);
        print({ file, size_bytes: bytes }, () => `Backup of ${db} written to ${file} (${bytes} bytes)`);
        return 0;
      }
      case 'export': {
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
      }
      case 'snapshot': {
        const [db] = need(args, 1, 'snapshot <db>');
        const result = await client.createSnapshot(db);
        print(result, () => `Snapshot ${result.id} of ${db} taken (${result.size_bytes} bytes)`);
        return 0;
      }
      case 'snapshots': {
        const [db] = need(args, 1, 'snapshots <db>');
        const result = await client.listSnapshots(db);
        print(result, () => (result.length ? formatTable(result as unknown as Record<string, unknown>[]) : '(no snapshots)'));
        return 0;
      }
      case 'snapshot-delete': {
        const [db, id] = need(args, 2, 'snapshot-delete <db> <snapshot_id>');
        await client.deleteSnapshot(db, id);
        print({ deleted: id }, () => `Snapshot ${id} deleted`);
        return 0;
      }
      case 'restore': {
        const [db, file] = need(args, 2, 'restore <db> <FILE> [--sql|--sqlite]');
        const upload = uploadOf(file, flags);
        const result = await client.restore(db, upload.content, upload.kind);
        print(result, () => restored(result));
        return 0;
      }
      case 'restore-snapshot': {
        const [db, id] = need(args, 2, 'restore-snapshot <db> <snapshot_id>');
        const result = await client.restoreSnapshot(db, id);
        print(result, () => restored(result));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; dbforge --help lists them`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof DbForgeError) {
      io.stderr(json ? `${JSON.stringify({ status: error.status, code: error.code, detail: error.message })}\n` : `Error ${error.status} ${error.code}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
