import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';

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
}
