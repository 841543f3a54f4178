import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

export const RUNTIME_MODES = ['auto', 'docker', 'embedded'] as const;
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SYNCHRONOUS_MODES = ['NORMAL', 'FULL'] as const;
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

/** The gateway's whole configuration, read once from the environment and validated at boot. */
export class GatewayConfig {
  /** PORT */
  @IsInt()
  @Min(0)
  @Max(65535)
  port!: number;

  /** HOST */
  @IsString()
  @IsNotEmpty()
  host!: string;

  /** DBFORGE_DATA_DIR, resolved to an absolute path. */
  @IsString()
  @IsNotEmpty()
  dataDir!: string;

  /** DBFORGE_RUNTIME */
  @IsIn(RUNTIME_MODES)
  runtime!: RuntimeMode;

  /** DBFORGE_POOL_READERS: read-only connections per open database. */
  @IsInt()
  @Min(1)
  @Max(64)
  poolReaders!: number;

  /** DBFORGE_MAX_OPEN_DATABASES: LRU bound on open pools. */
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxOpenDatabases!: number;

  /** DBFORGE_BUSY_TIMEOUT_MS: how long a connection waits on a lock before failing. */
  @IsInt()
  @Min(0)
  @Max(600_000)
  busyTimeoutMs!: number;

  /** DBFORGE_SYNCHRONOUS: NORMAL survives a crash of the gateway; FULL also survives power loss. */
  @IsIn(SYNCHRONOUS_MODES)
  synchronous!: SynchronousMode;

  /** DBFORGE_MAX_BODY_BYTES: largest JSON body accepted. */
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  maxBodyBytes!: number;

  /** DBFORGE_WORKER_IMAGE: the image of each database's worker container. */
  @IsString()
  @IsNotEmpty()
  workerImage!: string;

  /** DBFORGE_HOST_DATA_DIR: the data directory as the Docker host sees it (bind sources); defaults to dataDir. */
  @IsString()
  @IsNotEmpty()
  hostDataDir!: string;

  /** DBFORGE_DOCKER_SOCKET: the engine's Unix socket. */
  @IsString()
  @IsNotEmpty()
  dockerSocket!: string;

  /** DBFORGE_WORKER_MEMORY_MB */
  @IsInt()
  @Min(6)
  @Max(1024 * 1024)
  workerMemoryMb!: number;

  /** DBFORGE_WORKER_CPUS: CPU share of a worker (e.g. 0.25). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(1024)
  workerCpus!: number;

  /** DBFORGE_WORKER_PIDS: process limit of a worker. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  workerPids!: number;

  /** DBFORGE_WORKER_USER: uid:gid the worker runs as; never root. */
  @Matches(/^[1-9][0-9]{0,9}:[1-9][0-9]{0,9}$/, { message: 'must be uid:gid with non-zero numbers (workers never run as root)' })
  workerUser!: string;

  /** DBFORGE_ADMIN_KEY: when set, /admin needs it and the data plane needs it or a database key. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  adminKey?: string;

  /**
   * DBFORGE_OPEN: serve every endpoint to anyone without a key, on any address. Without it (and
   * without DBFORGE_ADMIN_KEY) the gateway refuses to listen on a non-loopback HOST.
   */
  @IsBoolean({ message: 'must be true or false' })
  open!: boolean;

  /** DBFORGE_MAX_STATEMENTS: statements (rows, for the rows endpoint) in one request. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxStatements!: number;

  /** DBFORGE_MAX_RESULT_ROWS: rows returned in one response; more are cut and the response says so. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  maxResultRows!: number;

  /** DBFORGE_MAX_RESULT_BYTES: about the size in JSON of the rows of one response; more are cut and the response says so. */
  @IsInt()
  @Min(1024)
  @Max(256 * 1024 * 1024)
  maxResultBytes!: number;

  /** DBFORGE_STATEMENT_TIMEOUT_MS: a request's SQL work is interrupted after this long (0: never). */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  statementTimeoutMs!: number;

  /** DBFORGE_READER_WAIT_MS: how long a read waits for a free reader of its database before a 503 DATABASE_BUSY (0: no limit). */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  readerWaitMs!: number;

  /** DBFORGE_TRANSACTION_IDLE_MS: an interactive transaction (libSQL baton) idle this long is rolled back and its baton refused. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  transactionIdleMs!: number;

  /** DBFORGE_TRANSACTION_MAX_MS: an interactive transaction open this long is rolled back and its baton refused, busy or not. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  transactionMaxMs!: number;

  /** DBFORGE_TRANSACTION_WAIT_MS: how long a write waits while an interactive transaction holds the writer before a 503 DATABASE_BUSY (0: no limit). */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  transactionWaitMs!: number;

  /** DBFORGE_RATE_LIMIT_PER_SECOND: sustained requests per second per key or client address (0: off). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  rateLimitPerSecond!: number;

  /** DBFORGE_RATE_LIMIT_BURST: requests a key or address may make at once before the rate applies. */
  @IsInt()
  @Min(1)
  rateLimitBurst!: number;

  /** DBFORGE_AUTH_FAILURES_PER_MINUTE: requests with an unknown, revoked or expired key one client address may make per minute (0: off). */
  @IsInt()
  @Min(0)
  authFailuresPerMinute!: number;

  /** DBFORGE_MAX_VALUE_BYTES: largest string or BLOB a statement may build (SQLITE_LIMIT_LENGTH), so `randomblob(1e9)` cannot exhaust memory. */
  @IsInt()
  @Min(1024)
  @Max(1_000_000_000)
  maxValueBytes!: number;

  /** DBFORGE_LOG_LEVEL */
  @IsIn(LOG_LEVELS)
  logLevel!: LogLevel;

  /** DBFORGE_LOG_FORMAT: `json` (one JSON object a line) or `pretty` (for a terminal in development). */
  @IsIn(['json', 'pretty'])
  logFormat!: 'json' | 'pretty';

  /** DBFORGE_SLOW_STATEMENT_MS: statements slower than this are logged with their SQL (0: never). */
  @IsInt()
  @Min(0)
  slowStatementMs!: number;

  /** DBFORGE_METRICS_MAX_DATABASES: databases that get their own metric labels; the rest count as `_other`. */
  @IsInt()
  @Min(0)
  @Max(100_000)
  metricsMaxDatabases!: number;

  /** DBFORGE_TRASH_RETENTION_HOURS: how long a deleted database waits in the trash before the sweep purges it (0: purged by the delete itself). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(87_600)
  trashRetentionHours!: number;

  /** DBFORGE_TRASH_SWEEP_INTERVAL_MS: how often expired trash is purged. */
  @IsInt()
  @Min(10)
  @Max(86_400_000)
  trashSweepIntervalMs!: number;

  /** DBFORGE_REPLICA_URL: where Litestream replicates every database (`file:///dir` or `s3://bucket/prefix`); unset: no replication. */
  @IsOptional()
  @Matches(/^(file:\/\/\/|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/|$))/, { message: 'must be file:///<absolute path> or s3://<bucket>[/<prefix>]' })
  replicaUrl?: string;

  /** DBFORGE_REPLICA_S3_ENDPOINT: the endpoint of an S3-compatible store (MinIO, ...); unset: AWS. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  replicaS3Endpoint?: string;

  /** DBFORGE_HOST_REPLICA_DIR: a `file://` replica store as the Docker host sees it (bind sources of the workers); unset: its path. */
  @IsOptional()
  @Matches(/^\//, { message: 'must be an absolute path' })
  hostReplicaDir?: string;

  /** AWS_ACCESS_KEY_ID: the access key of an `s3://` replica store. */
  @IsOptional()
  @IsString()
  s3AccessKeyId?: string;

  /** AWS_SECRET_ACCESS_KEY: its secret. */
  @IsOptional()
  @IsString()
  s3SecretAccessKey?: string;

  /** DBFORGE_REPLICA_SYNC_INTERVAL_MS: how often Litestream ships new WAL frames: the most a lost machine loses. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  replicaSyncIntervalMs!: number;

  /** DBFORGE_REPLICA_RETENTION_HOURS: how long replica generations (snapshots and WAL) are kept: how far back a restore can go. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(87_600)
  replicaRetentionHours!: number;

  /** DBFORGE_LITESTREAM_BIN: the Litestream binary; unset: the one of the @flydotio/litestream-linux-x64 package. */
  @IsOptional()
  @IsString()
  litestreamBin?: string;

  /** DBFORGE_SNAPSHOT_INTERVAL_MINUTES: minutes between scheduled snapshot rounds (0: no scheduled snapshots). */
  @IsInt()
  @Min(0)
  @Max(525_600)
  snapshotIntervalMinutes!: number;

  /** DBFORGE_SNAPSHOT_RETENTION: scheduled snapshots kept per database; older ones are deleted (manual and pre-restore ones never). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  snapshotRetention!: number;

  /** DBFORGE_MAX_RESTORE_BYTES: largest database file or SQL dump a restore or spawn-from-upload accepts. */
  @IsInt()
  @Min(1024)
  maxRestoreBytes!: number;
}
