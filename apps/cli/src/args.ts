import { UploadKind } from '@dbforge/client';
import { readFileSync } from 'node:fs';

/** A mistake in the command line: printed without the `Error` prefix, exit status 2. */
export class UsageError extends Error {}

export type Flags = Map<string, string | true>;

export interface Parsed {
  positional: string[];
  flags: Flags;
}

export function parse(argv: string[]): Parsed {
  const positional: string[] = [];
  const flags: Flags = new Map();
  const valued = new Set(['url', 'key', 'file', 'params', 'scope', 'expires', 'name', 'format', 'on-conflict', 'default', 'output', 'from', 'at']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-o') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('-o needs a file name');
      flags.set('output', value);
      continue;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (valued.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      flags.set(name, true);
    }
  }
  return { positional, flags };
}

export function need(values: string[], count: number, usage: string): string[] {
  if (values.length < count) throw new UsageError(`usage: dbforge ${usage}`);
  return values;
}

export function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UsageError(`Could not read ${what}: not valid JSON (${(error as Error).message}).`);
  }
}

/** What a file to upload holds: --sql / --sqlite say it, else the extension (.sql and .txt are dumps). */
export function uploadOf(file: string, flags: Flags): { content: Buffer; kind: UploadKind } {
  const kind: UploadKind = flags.has('sql') ? 'sql' : flags.has('sqlite') ? 'file' : /\.(sql|txt)$/i.test(file) ? 'sql' : 'file';
  return { content: readFileSync(file), kind };
}
