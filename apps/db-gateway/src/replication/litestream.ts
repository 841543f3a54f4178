import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { GatewayConfig } from '../config/gateway.config';

const run = promisify(execFile);

/** Where the replicas go and how Litestream ships them (from the gateway's configuration). */
export interface ReplicaSettings {
  /** `file:///dir` or `s3://bucket/prefix`: each database replicates under `<url>/<name>`. */
  url: string;
  s3Endpoint?: string;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the gateway's environment, written into Litestream's configuration. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  syncIntervalMs: number;
  retentionHours: number;
}

/** The replica settings of the gateway's configuration; undefined when DBFORGE_REPLICA_URL is unset. */
export function replicaSettingsOf(config: GatewayConfig): ReplicaSettings | undefined {
  if (!config.replicaUrl) return undefined;
  const s3Credentials = config.s3AccessKeyId && config.s3SecretAccessKey ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } : undefined;
  return { url: config.replicaUrl, s3Endpoint: config.replicaS3Endpoint, s3Credentials, syncIntervalMs: config.replicaSyncIntervalMs, retentionHours: config.replicaRetentionHours };
}

/** The Litestream binary: the configured one, else the one the @flydotio/litestream-linux-x64 package ships. */
export function litestreamBinary(configured?: string): string {
  if (configured) return configured;
  try {
    return require.resolve('@flydotio/litestream-linux-x64/litestream');
  } catch {
    throw new Error('Litestream is not installed: DBFORGE_REPLICA_URL needs the @flydotio/litestream-linux-x64 package (npm install) or DBFORGE_LITESTREAM_BIN.');
  }
}

/** The replica URL of one database. */
export function replicaUrlOf(settings: ReplicaSettings, name: string): string {
  return `${settings.url.replace(/\/+$/, '')}/${name}`;
}

/** The directory of a `file://` replica store, or undefined for S3. */
export function replicaDirectory(settings: ReplicaSettings): string | undefined {
  return settings.url.startsWith('file://') ? decodeURIComponent(new URL(settings.url).pathname) : undefined;
}

const quoted = (text: string) => JSON.stringify(text); // a YAML double-quoted scalar is a JSON string

/** Litestream's configuration for `databases` (name → file): each to its replica under the store, with the gateway's interval and retention. */
export function litestreamConfig(settings: ReplicaSettings, databases: Map<string, string>): string {
  return litestreamYaml(settings, [...databases].map(([name, file]) => ({ file, replica: replicaUrlOf(settings, name) })));
}

/** Litestream's configuration for one replica per database file, each at the URL given. */
export function litestreamYaml(settings: ReplicaSettings, databases: { file: string; replica: string }[]): string {
  const lines = ['# Written by the DB-Forge gateway; rewritten whenever its databases change.', 'dbs:'];
  for (const { file, replica } of databases) {
    lines.push(`  - path: ${quoted(file)}`, '    replicas:', `      - url: ${quoted(replica)}`);
    lines.push(`        sync-interval: ${settings.syncIntervalMs}ms`, `        retention: ${Math.round(settings.retentionHours * 60)}m`);
    if (settings.s3Endpoint) lines.push(`        endpoint: ${quoted(settings.s3Endpoint)}`, '        force-path-style: true');
    if (settings.s3Credentials && replica.startsWith('s3://')) {
      lines.push(`        access-key-id: ${quoted(settings.s3Credentials.accessKeyId)}`, `        secret-access-key: ${quoted(settings.s3Credentials.secretAccessKey)}`);
    }
  }
  if (databases.length === 0) lines.push('  []');
  return lines.join('\n') + '\n';
}

/** Writes a Litestream configuration readable by its owner only (it may hold the S3 secret). */
export async function writeLitestreamConfig(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600); // a file written before keeps its mode otherwise
}

/**
 * Restores the replica of `name` into `output` as it was at `timestamp` (the latest state without
 * one), through a configuration naming only that replica (so S3 endpoints apply). Litestream 0.3.13
 * finds no backup for a moment after the replica's newest WAL segment; the state at such a moment
 * is the latest one, so that is restored instead (a moment before the oldest snapshot stays refused).
 * `generation` picks the generation of a latest restore, and of a moment after the newest segment
 * (Litestream itself takes the one updated last, to the second, which a new generation can tie). Rejects with Litestream's own words when the replica has nothing for that moment.
 */
export async function restoreReplica(
  binary: string,
  settings: ReplicaSettings,
  name: string,
  file: string,
  output: string,
  configFile: string,
  { timestamp, generation }: { timestamp?: Date; generation?: string } = {},
): Promise<void> {
  await writeLitestreamConfig(configFile, litestreamConfig(settings, new Map([[name, file]])));
  const litestream = (args: string[]) => runLitestream(binary, args);
  try {
    const moment = timestamp ? ['-timestamp', timestamp.toISOString()] : generation ? ['-generation', generation] : [];
    await litestream(['restore', '-config', configFile, '-o', output, ...moment, file]);
  } catch (error) {
    if (!(timestamp && error instanceof ReplicaRestoreError && /no matching backups/.test(error.message))) throw error;
    const created = async (kind: 'snapshots' | 'wal') => (await litestream([kind, '-config', configFile, file])).match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g)?.map((at) => Date.parse(at)) ?? [];
    const snapshots = await created('snapshots');
    const newest = Math.max(...snapshots, ...(await created('wal')));
    if (snapshots.length === 0 || timestamp.getTime() < Math.min(...snapshots) || timestamp.getTime() < newest) throw error;
    await litestream(['restore', '-config', configFile, '-o', output, ...(generation ? ['-generation', generation] : []), file]);
  }
  if (!existsSync(output)) throw new ReplicaRestoreError('the replica holds no copy of this database');
}

/** Runs Litestream; its failure carries its own reason (it logs to stdout: `level=ERROR msg=... error="..."`). */
async function runLitestream(binary: string, args: string[]): Promise<string> {
  try {
    return (await run(binary, args, { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => /\bERROR\b/.test(line));
    const reason = /error="([^"]*)"/.exec(lines.at(-1) ?? '')?.[1] ?? lines.at(-1)?.replace(/^.*?ERROR\s*/, '') ?? (error as Error).message;
    throw new ReplicaRestoreError(reason);
  }
}

export class ReplicaRestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaRestoreError';
  }
}

/** One line of `litestream replicate`'s log, as far as replication state goes. */
export type LitestreamEvent = { kind: 'replicated'; file: string; position: string } | { kind: 'error'; file: string; message: string };

/**
 * Reads a log line, in either of Litestream's formats (`level=INFO msg="wal segment written" db=<file>
 * replica=<r> position=<generation>/<index>:<offset> ... sz=<bytes>` when not on a terminal, or
 * `... INFO wal segment written db=...`); the position given is where the segment ends. ERROR lines name their db.
 */
export function litestreamEvent(line: string): LitestreamEvent | undefined {
  const written = /\bINFO (?:msg=)?"?(?:wal segment|snapshot) written"?.*?\bdb=(\S+).*?\bposition=([0-9a-f]+\/[0-9a-f]+):(\d+)(?:.*?\bsz=(\d+))?/.exec(line);
  if (written) {
    const [, file, segment, offset, size] = written;
    const end = line.includes('wal segment') ? Number(offset) + Number(size ?? 0) : Number(offset);
    return { kind: 'replicated', file, position: `${segment}:${end}` };
  }
  const failed = /\bERROR (?:msg=)?(".*?"|.*?)\s*\bdb=(\S+)(.*)$/.exec(line);
  if (failed) return { kind: 'error', file: failed[2], message: `${failed[1].replace(/^"|"$/g, '')}${failed[3]}`.trim() };
  return undefined;
}
