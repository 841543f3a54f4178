import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { resolve } from 'node:path';
import { GatewayConfig } from './gateway.config';

/** The environment variables read, with their defaults. */
export const CONFIG_DEFAULTS = {
  PORT: '8000',
  HOST: '127.0.0.1',
  DBFORGE_DATA_DIR: './db-data',
  DBFORGE_RUNTIME: 'auto',
  DBFORGE_POOL_READERS: '4',
  DBFORGE_MAX_OPEN_DATABASES: '256',
  DBFORGE_BUSY_TIMEOUT_MS: '5000',
  DBFORGE_SYNCHRONOUS: 'NORMAL',
  DBFORGE_MAX_BODY_BYTES: String(10 * 1024 * 1024),
  DBFORGE_WORKER_IMAGE: 'db-worker-base:latest',
  DBFORGE_HOST_DATA_DIR: '',
  DBFORGE_DOCKER_SOCKET: '/var/run/docker.sock',
  DBFORGE_WORKER_MEMORY_MB: '64',
  DBFORGE_WORKER_CPUS: '0.25',
  DBFORGE_WORKER_PIDS: '32',
  DBFORGE_WORKER_USER: '10001:10001',
  DBFORGE_ADMIN_KEY: '',
  DBFORGE_OPEN: 'false',
  DBFORGE_MAX_STATEMENTS: '10000',
  DBFORGE_MAX_RESULT_ROWS: '10000',
  DBFORGE_MAX_RESULT_BYTES: String(64 * 1024 * 1024),
  DBFORGE_STATEMENT_TIMEOUT_MS: '10000',
  DBFORGE_READER_WAIT_MS: '5000',
  DBFORGE_TRANSACTION_IDLE_MS: '10000',
  DBFORGE_TRANSACTION_MAX_MS: '30000',
  DBFORGE_TRANSACTION_WAIT_MS: '5000',
  DBFORGE_RATE_LIMIT_PER_SECOND: '1000',
  DBFORGE_RATE_LIMIT_BURST: '2000',
  DBFORGE_AUTH_FAILURES_PER_MINUTE: '60',
  DBFORGE_MAX_VALUE_BYTES: String(64 * 1024 * 1024),
  DBFORGE_LOG_LEVEL: 'info',
  DBFORGE_LOG_FORMAT: 'json',
  DBFORGE_SLOW_STATEMENT_MS: '500',
  DBFORGE_METRICS_MAX_DATABASES: '100',
  DBFORGE_TRASH_RETENTION_HOURS: '168',
  DBFORGE_TRASH_SWEEP_INTERVAL_MS: '3600000',
  DBFORGE_SNAPSHOT_INTERVAL_MINUTES: '0',
  DBFORGE_REPLICA_URL: '',
  DBFORGE_REPLICA_S3_ENDPOINT: '',
  DBFORGE_HOST_REPLICA_DIR: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  DBFORGE_REPLICA_SYNC_INTERVAL_MS: '1000',
  DBFORGE_REPLICA_RETENTION_HOURS: '168',
  DBFORGE_LITESTREAM_BIN: '',
  DBFORGE_SNAPSHOT_RETENTION: '7',
  DBFORGE_MAX_RESTORE_BYTES: String(1024 * 1024 * 1024),
} as const;

type EnvName = keyof typeof CONFIG_DEFAULTS;

export class InvalidConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidConfigError';
  }
}

/** A whole decimal number, or NaN so that validation names the variable. */
function integer(text: string): number {
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

/** `true`/`false` (also 1/0, yes/no), or the text itself so that validation names the variable. */
function flag(text: string): boolean | string {
  const value = text.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return text;
}

/** Whether `host` can be reached only from this machine: a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** A decimal number such as 0.5, or NaN. */
function decimal(text: string): number {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

/** Reads and validates the configuration; throws `InvalidConfigError` listing every bad variable. */
export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const read = (name: EnvName): string => {
    const value = env[name];
    return value === undefined || value === '' ? CONFIG_DEFAULTS[name] : value;
  };
  const variableOf: Record<keyof GatewayConfig, EnvName> = {
    port: 'PORT',
    host: 'HOST',
    dataDir: 'DBFORGE_DATA_DIR',
    runtime: 'DBFORGE_RUNTIME',
    poolReaders: 'DBFORGE_POOL_READERS',
    maxOpenDatabases: 'DBFORGE_MAX_OPEN_DATABASES',
    busyTimeoutMs: 'DBFORGE_BUSY_TIMEOUT_MS',
    synchronous: 'DBFORGE_SYNCHRONOUS',
    maxBodyBytes: 'DBFORGE_MAX_BODY_BYTES',
    workerImage: 'DBFORGE_WORKER_IMAGE',
    hostDataDir: 'DBFORGE_HOST_DATA_DIR',
    dockerSocket: 'DBFORGE_DOCKER_SOCKET',
    workerMemoryMb: 'DBFORGE_WORKER_MEMORY_MB',
    workerCpus: 'DBFORGE_WORKER_CPUS',
    workerPids: 'DBFORGE_WORKER_PIDS',
    workerUser: 'DBFORGE_WORKER_USER',
    adminKey: 'DBFORGE_ADMIN_KEY',
    open: 'DBFORGE_OPEN',
    maxStatements: 'DBFORGE_MAX_STATEMENTS',
    maxResultRows: 'DBFORGE_MAX_RESULT_ROWS',
    maxResultBytes: 'DBFORGE_MAX_RESULT_BYTES',
    statementTimeoutMs: 'DBFORGE_STATEMENT_TIMEOUT_MS',
    readerWaitMs: 'DBFORGE_READER_WAIT_MS',
    transactionIdleMs: 'DBFORGE_TRANSACTION_IDLE_MS',
    transactionMaxMs: 'DBFORGE_TRANSACTION_MAX_MS',
    transactionWaitMs: 'DBFORGE_TRANSACTION_WAIT_MS',
    rateLimitPerSecond: 'DBFORGE_RATE_LIMIT_PER_SECOND',
    rateLimitBurst: 'DBFORGE_RATE_LIMIT_BURST',
    authFailuresPerMinute: 'DBFORGE_AUTH_FAILURES_PER_MINUTE',
    maxValueBytes: 'DBFORGE_MAX_VALUE_BYTES',
    logLevel: 'DBFORGE_LOG_LEVEL',
    logFormat: 'DBFORGE_LOG_FORMAT',
    slowStatementMs: 'DBFORGE_SLOW_STATEMENT_MS',
    metricsMaxDatabases: 'DBFORGE_METRICS_MAX_DATABASES',
    trashRetentionHours: 'DBFORGE_TRASH_RETENTION_HOURS',
    trashSweepIntervalMs: 'DBFORGE_TRASH_SWEEP_INTERVAL_MS',
    snapshotIntervalMinutes: 'DBFORGE_SNAPSHOT_INTERVAL_MINUTES',
    replicaUrl: 'DBFORGE_REPLICA_URL',
    replicaS3Endpoint: 'DBFORGE_REPLICA_S3_ENDPOINT',
    hostReplicaDir: 'DBFORGE_HOST_REPLICA_DIR',
    s3AccessKeyId: 'AWS_ACCESS_KEY_ID',
    s3SecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
    replicaSyncIntervalMs: 'DBFORGE_REPLICA_SYNC_INTERVAL_MS',
    replicaRetentionHours: 'DBFORGE_REPLICA_RETENTION_HOURS',
    litestreamBin: 'DBFORGE_LITESTREAM_BIN',
    snapshotRetention: 'DBFORGE_SNAPSHOT_RETENTION',
    maxRestoreBytes: 'DBFORGE_MAX_RESTORE_BYTES',
  };
  const config = plainToInstance(GatewayConfig, {
    port: integer(read('PORT')),
    host: read('HOST'),
    dataDir: resolve(read('DBFORGE_DATA_DIR')),
    runtime: read('DBFORGE_RUNTIME').toLowerCase(),
    poolReaders: integer(read('DBFORGE_POOL_READERS')),
    maxOpenDatabases: integer(read('DBFORGE_MAX_OPEN_DATABASES')),
    busyTimeoutMs: integer(read('DBFORGE_BUSY_TIMEOUT_MS')),
    synchronous: read('DBFORGE_SYNCHRONOUS').toUpperCase(),
    maxBodyBytes: integer(read('DBFORGE_MAX_BODY_BYTES')),
    workerImage: read('DBFORGE_WORKER_IMAGE'),
    hostDataDir: resolve(read('DBFORGE_HOST_DATA_DIR') || read('DBFORGE_DATA_DIR')),
    dockerSocket: read('DBFORGE_DOCKER_SOCKET'),
    workerMemoryMb: integer(read('DBFORGE_WORKER_MEMORY_MB')),
    workerCpus: decimal(read('DBFORGE_WORKER_CPUS')),
    workerPids: integer(read('DBFORGE_WORKER_PIDS')),
    workerUser: read('DBFORGE_WORKER_USER'),
    adminKey: read('DBFORGE_ADMIN_KEY') || undefined,
    open: flag(read('DBFORGE_OPEN')),
    maxStatements: integer(read('DBFORGE_MAX_STATEMENTS')),
    maxResultRows: integer(read('DBFORGE_MAX_RESULT_ROWS')),
    maxResultBytes: integer(read('DBFORGE_MAX_RESULT_BYTES')),
    statementTimeoutMs: integer(read('DBFORGE_STATEMENT_TIMEOUT_MS')),
    readerWaitMs: integer(read('DBFORGE_READER_WAIT_MS')),
    transactionIdleMs: integer(read('DBFORGE_TRANSACTION_IDLE_MS')),
    transactionMaxMs: integer(read('DBFORGE_TRANSACTION_MAX_MS')),
    transactionWaitMs: integer(read('DBFORGE_TRANSACTION_WAIT_MS')),
    rateLimitPerSecond: decimal(read('DBFORGE_RATE_LIMIT_PER_SECOND')),
    rateLimitBurst: integer(read('DBFORGE_RATE_LIMIT_BURST')),
    authFailuresPerMinute: integer(read('DBFORGE_AUTH_FAILURES_PER_MINUTE')),
    maxValueBytes: integer(read('DBFORGE_MAX_VALUE_BYTES')),
    logLevel: read('DBFORGE_LOG_LEVEL').toLowerCase(),
    // Pretty by default only in development (NODE_ENV=development, as `npm run start:dev` sets).
    logFormat: (env.DBFORGE_LOG_FORMAT || (env.NODE_ENV === 'development' ? 'pretty' : CONFIG_DEFAULTS.DBFORGE_LOG_FORMAT)).toLowerCase(),
    slowStatementMs: integer(read('DBFORGE_SLOW_STATEMENT_MS')),
    metricsMaxDatabases: integer(read('DBFORGE_METRICS_MAX_DATABASES')),
    trashRetentionHours: decimal(read('DBFORGE_TRASH_RETENTION_HOURS')),
    trashSweepIntervalMs: integer(read('DBFORGE_TRASH_SWEEP_INTERVAL_MS')),
    snapshotIntervalMinutes: integer(read('DBFORGE_SNAPSHOT_INTERVAL_MINUTES')),
    replicaUrl: read('DBFORGE_REPLICA_URL') || undefined,
    replicaS3Endpoint: read('DBFORGE_REPLICA_S3_ENDPOINT') || undefined,
    hostReplicaDir: read('DBFORGE_HOST_REPLICA_DIR') || undefined,
    s3AccessKeyId: read('AWS_ACCESS_KEY_ID') || undefined,
    s3SecretAccessKey: read('AWS_SECRET_ACCESS_KEY') || undefined,
    replicaSyncIntervalMs: integer(read('DBFORGE_REPLICA_SYNC_INTERVAL_MS')),
    replicaRetentionHours: decimal(read('DBFORGE_REPLICA_RETENTION_HOURS')),
    litestreamBin: read('DBFORGE_LITESTREAM_BIN') || undefined,
    snapshotRetention: integer(read('DBFORGE_SNAPSHOT_RETENTION')),
    maxRestoreBytes: integer(read('DBFORGE_MAX_RESTORE_BYTES')),
  });
  const errors = validateSync(config);
  if (errors.length > 0) {
    throw new InvalidConfigError(
      errors.map((error) => {
        const name = variableOf[error.property as keyof GatewayConfig];
        const shown = name === 'DBFORGE_ADMIN_KEY' ? '(hidden)' : JSON.stringify(env[name] ?? CONFIG_DEFAULTS[name]);
        return `${name}=${shown}: ${Object.values(error.constraints ?? {}).join(', ')}`;
      }),
    );
  }
  refuseUnsafeExposure(config, env);
  return config;
}

/**
 * Safe by default, as PostgreSQL (localhost only) and Redis (no remote clients without a password):
 * a gateway reachable from other machines needs a key, unless its operator says out loud that it
 * serves everyone (DBFORGE_OPEN=true).
 */
function refuseUnsafeExposure(config: GatewayConfig, env: Record<string, string | undefined>): void {
  if (config.open && config.adminKey) {
    throw new InvalidConfigError(['DBFORGE_OPEN=true and DBFORGE_ADMIN_KEY are both set: choose one (a key for keyed access, or DBFORGE_OPEN=true to serve everyone without a key).']);
  }
  if (config.adminKey || config.open || isLoopbackHost(config.host)) return;
  throw new InvalidConfigError([
    `HOST=${JSON.stringify(env.HOST ?? config.host)} is reachable from other machines and DBFORGE_ADMIN_KEY is not set, so anyone who can reach the gateway would be its admin. ` +
      'Set DBFORGE_ADMIN_KEY to a secret of at least 16 characters (clients then send it, or a database key), ' +
      'or set DBFORGE_OPEN=true to serve everyone without a key, or listen on 127.0.0.1 only (the default HOST).',
  ]);
}
