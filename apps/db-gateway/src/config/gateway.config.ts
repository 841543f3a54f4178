import { IsIn, IsInt, IsNotEmpty, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

export const RUNTIME_MODES = ['auto', 'docker', 'embedded'] as const;
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

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
}
