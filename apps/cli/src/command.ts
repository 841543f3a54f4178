import { DbForgeClient } from '@dbforge/client';
import { Flags } from './args';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  /** Writes bytes to standard output, resolving once it can take more (for streamed results). */
  stream: (chunk: Uint8Array) => Promise<void>;
  stderr: (text: string) => void;
  /** Standard input when it is piped, else undefined. */
  stdin: () => Promise<string | undefined>;
}

/** What a command gets: its arguments (after the command name), the flags, a client and the terminal. */
export interface CommandContext {
  args: string[];
  flags: Flags;
  client: DbForgeClient;
  io: CliIo;
  /** Prints `value` as JSON with --json, else the text `human` makes. */
  print: (value: unknown, human: () => string) => void;
  /** The text from --file, else `inline`, else piped standard input (`what` names it in the usage error). */
  text: (inline: string | undefined, what: string) => Promise<string>;
}

/** One form of a command in `dbforge --help`: the synopsis and the lines that say what it does. */
export interface Usage {
  synopsis: string;
  summary?: string[];
}

export interface Command {
  name: string;
  usage: Usage[];
  /** Resolves with the exit status; usage mistakes throw a UsageError, server errors a DbForgeError. */
  run: (context: CommandContext) => Promise<number>;
}
