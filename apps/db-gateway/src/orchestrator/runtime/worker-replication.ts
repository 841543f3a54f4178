import { ErrorCode } from '@dbforge/contracts';
import { lchown, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ReplicaSettings, litestreamYaml, replicaDirectory, replicaSettingsOf, replicaUrlOf, writeLitestreamConfig } from '../../replication/litestream';

/** Where a worker image has Litestream, and the label that says it does (`npm run worker-image` sets both). */
export const WORKER_LITESTREAM = '/bin/litestream';
export const LITESTREAM_IMAGE_LABEL = 'dbforge.litestream';
/** Litestream's configuration inside the database directory (names cannot start with a dot, so no database file collides). */
const CONFIG_NAME = '.litestream.yml';
/** Where a `file://` store's directory of this database is mounted in the worker. */
const REPLICA_MOUNT = '/replica';

/** What a worker needs to run Litestream for its database: its command, mounts and network. */
export interface WorkerReplication {
  cmd: string[];
  binds: string[];
  networkMode: 'none' | 'host';
}

/**
 * With DBFORGE_REPLICA_URL on the Docker runtime, each worker runs `litestream replicate` for its
 * own database: a `file://` store is bind-mounted (only this database's directory of it, at
 * /replica; no network); an S3 store is reached over the host's network (the only network a worker
 * ever gets), with the credentials in its Litestream configuration (readable by the worker only).
 */
export function workerReplication(config: GatewayConfig, database: string, workerDirectory: string): WorkerReplication | undefined {
  const settings = replicaSettingsOf(config);
  if (!settings) return undefined;
  const cmd = [WORKER_LITESTREAM, 'replicate', '-config', `${workerDirectory}/${CONFIG_NAME}`];
  const store = replicaDirectory(settings);
  if (store !== undefined) {
    return { cmd, binds: [`${join(config.hostReplicaDir ?? store, database)}:${REPLICA_MOUNT}`], networkMode: 'none' };
  }
  return { cmd, binds: [], networkMode: 'host' };
}

/** The replica URL a worker's Litestream ships to: its mount for `file://`, else the database's place in the store. */
function workerReplicaUrl(settings: ReplicaSettings, database: string): string {
  return replicaDirectory(settings) !== undefined ? `file://${REPLICA_MOUNT}` : replicaUrlOf(settings, database);
}

/**
 * Before a replicating worker starts (after its database file exists): its Litestream configuration
 * and the store's directory; the database directory and the store's, owned by the worker's user, since
 * Litestream writes the database (checkpoints) and its `-litestream` directory. SQLite, run by the
 * gateway, gives the -wal and -shm files the owner of the database file.
 */
export async function prepareWorkerReplication(config: GatewayConfig, database: string, workerDirectory: string): Promise<void> {
  const settings = replicaSettingsOf(config);
  if (!settings) return;
  const directory = join(config.dataDir, database);
  const [uid, gid] = config.workerUser.split(':').map(Number);
  const owner = process.getuid?.() ?? 0;
  if (owner !== 0 && owner !== uid) {
    throw new DomainError(
      ErrorCode.RUNTIME_FAILURE,
      `A replicating worker runs Litestream as ${config.workerUser} and must own its database files, but the gateway runs as uid ${owner} and cannot give them away: run the gateway as root, or set DBFORGE_WORKER_USER to ${owner}:${process.getgid?.() ?? owner}.`,
    );
  }
  await writeLitestreamConfig(join(directory, CONFIG_NAME), litestreamYaml(settings, [{ file: `${workerDirectory}/${database}.db`, replica: workerReplicaUrl(settings, database) }]));
  const store = replicaDirectory(settings);
  const targets = [directory, ...(store !== undefined ? [join(store, database)] : [])];
  for (const target of targets) {
    await mkdir(target, { recursive: true });
    if (owner === 0) await chownTree(target, uid, gid);
  }
}

async function chownTree(directory: string, uid: number, gid: number): Promise<void> {
  await lchown(directory, uid, gid);
  for (const entry of await readdir(directory, { recursive: true })) await lchown(join(directory, entry), uid, gid);
}
