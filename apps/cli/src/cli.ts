import { DbForgeClient, DbForgeError } from '@dbforge/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editDistance } from './edit-distance';
import { Parsed, UsageError, parse } from './args';
import { CliIo, Command, CommandContext, Usage } from './command';
import * as backups from './commands/backup.commands';
import * as databases from './commands/databases.commands';
import * as keys from './commands/keys.commands';
import * as rows from './commands/rows.commands';
import * as sql from './commands/sql.commands';
import * as system from './commands/system.commands';
import * as tables from './commands/tables.commands';

export type { CliIo } from './command';

/** Every command, in the order `dbforge --help` lists them (a tour of the tool, not the file layout). */
const COMMANDS: readonly Command[] = [
  databases.spawn,
  databases.prune,
  databases.list,
  databases.describe,
  databases.reconcile,
  sql.query,
  sql.transaction,
  tables.tables,
  tables.createTable,
  rows.insert,
  rows.rows,
  rows.upsert,
  rows.updateRows,
  rows.deleteRows,
  tables.dropTable,
  tables.addIndex,
  tables.addColumn,
  databases.deleteDatabase,
  databases.undelete,
  databases.purge,
  databases.trash,
  system.ping,
  keys.keys,
  system.health,
  backups.backup,
  backups.exportSql,
  backups.snapshot,
  backups.snapshots,
  backups.snapshotDelete,
  backups.restore,
  backups.branch,
  backups.recover,
  backups.restoreSnapshot,
];

/** Summaries start this far past the two-space indent; a synopsis this long or longer gets a line of its own. */
const SUMMARY_COLUMN = 36;

function helpLines({ synopsis, summary = [] }: Usage): string[] {
  const indent = ' '.repeat(SUMMARY_COLUMN);
  const lines =
    summary.length > 0 && synopsis.length < SUMMARY_COLUMN
      ? [synopsis.padEnd(SUMMARY_COLUMN) + summary[0], ...summary.slice(1).map((line) => indent + line)]
      : [synopsis, ...summary.map((line) => indent + line)];
  return lines.map((line) => `  ${line}`);
}

/** The version of DB-Forge this CLI belongs to (the root package.json, three folders above dist/apps/cli/src). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}


/** The command `name` was probably meant to be, if one is close enough. */
function nearestCommand(name: string): string | undefined {
  const [best] = [...new Set(['help', ...COMMANDS.map((command) => command.name)])]
    .map((candidate) => ({ candidate, cost: editDistance(name, candidate) }))
    .sort((a, b) => a.cost - b.cost);
  return best && best.cost <= Math.max(2, Math.floor(name.length / 3)) ? best.candidate : undefined;
}

/** The help of one command: every form of it (insert has two entries). */
function commandHelp(name: string): string | undefined {
  const forms = COMMANDS.filter((command) => command.name === name).flatMap((command) => command.usage.flatMap(helpLines));
  return forms.length === 0 ? undefined : `Usage: dbforge [--url URL] [--key KEY] [--json] ${name} ...\n\n${forms.join('\n')}\n`;
}

const USAGE = `dbforge — the DB-Forge command line

Usage: dbforge [--url URL] [--key KEY] [--json] <command> ...
       dbforge help <command>    dbforge <command> --help    dbforge --version

${COMMANDS.flatMap((command) => command.usage.flatMap(helpLines)).join('\n')}

The gateway URL comes from --url or DBFORGE_URL (default http://localhost:8000), the key from --key
or DBFORGE_KEY. Errors print the server's message and exit with status 1 (2 for usage errors).
`;

function unknownCommand(name: string): string {
  const nearest = nearestCommand(name);
  return `unknown command "${name}"${nearest ? `; did you mean "${nearest}"?` : ''} (dbforge --help lists them)`;
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
  const [name, ...args] = positional;
  if (flags.has('version')) {
    io.stdout(`dbforge ${version()}\n`);
    return 0;
  }
  const helpOf = name === 'help' ? args[0] : flags.has('help') ? name : undefined;
  if (helpOf !== undefined) {
    const help = commandHelp(helpOf);
    if (help) {
      io.stdout(help);
      return 0;
    }
    io.stderr(`${unknownCommand(helpOf)}\n`);
    return 2;
  }
  if (!name || name === 'help' || flags.has('help')) {
    io.stdout(USAGE);
    return name || flags.has('help') ? 0 : 2;
  }
  const json = flags.has('json');
  const context: CommandContext = {
    args,
    flags,
    io,
    client: new DbForgeClient({
      baseUrl: String(flags.get('url') ?? io.env.DBFORGE_URL ?? 'http://localhost:8000'),
      apiKey: (flags.get('key') as string | undefined) ?? io.env.DBFORGE_KEY,
    }),
    print: (value, human) => io.stdout(`${json ? JSON.stringify(value, null, 2) : human()}\n`),
    text: async (inline, what) => {
      const file = flags.get('file');
      if (typeof file === 'string') return readFileSync(file, 'utf8');
      if (inline !== undefined) return inline;
      const piped = await io.stdin();
      if (piped === undefined || piped.trim() === '') throw new UsageError(`give ${what} as an argument, with --file, or on standard input`);
      return piped;
    },
  };

  try {
    // The first entry of a name wins: `insert`'s second entry only gives its upsert form a place in the help.
    const command = COMMANDS.find((entry) => entry.name === name);
    if (!command) throw new UsageError(unknownCommand(name));
    return await command.run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof DbForgeError && error.code === 'NETWORK_ERROR' && !json) {
      io.stderr(`${error.message}: is the gateway running there? Give its address with --url or DBFORGE_URL.\n`);
      return 1;
    }
    if (error instanceof DbForgeError) {
      io.stderr(json ? `${JSON.stringify({ status: error.status, code: error.code, detail: error.message })}\n` : `Error ${error.status} ${error.code}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
