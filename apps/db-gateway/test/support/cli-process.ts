import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The compiled `dbforge` CLI (`npm run build`, which `npm test` runs first, makes it). */
export const CLI = resolve(__dirname, '../../../../dist/apps/cli/src/main.js');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Fails a suite early, with the way out, when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it first).`);
}

/** Runs the compiled `dbforge` CLI as a user would, with only PATH and `env`, and optional standard input. */
export function cli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolveRun({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
