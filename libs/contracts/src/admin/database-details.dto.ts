import { ApiProperty } from '@nestjs/swagger';

export class WorkerLimitsDto {
  /**
   * Memory limit in bytes (0: none).
   * @example 67108864
   */
  memory_bytes!: number;

  /**
   * CPU limit in billionths of a CPU (0: none).
   * @example 250000000
   */
  nano_cpus!: number;

  /**
   * Process limit (0: none).
   * @example 32
   */
  pids!: number;
}

export class WorkerDetailsDto {
  /** Container id; `null` on the embedded runtime or when the worker is missing. */
  @ApiProperty({ type: String, nullable: true, example: '3f2a9c...' })
  id!: string | null;

  /**
   * `running`, `exited`, `created`, `restarting`, `paused`, `dead`, `missing`, or `unknown` while the engine cannot be reached.
   * @example running
   */
  state!: string;

  /** Image of the worker container. */
  @ApiProperty({ type: String, nullable: true, example: 'db-worker-base:latest' })
  image!: string | null;

  /** When the worker last started (ISO 8601). */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-28T04:30:00.000Z' })
  started_at!: string | null;

  @ApiProperty({ type: WorkerLimitsDto, nullable: true })
  limits!: WorkerLimitsDto | null;
}

export class DatabaseFileDto {
  /**
   * Size of the database file in bytes.
   * @example 8192
   */
  size_bytes!: number;

  /**
   * Size of its write-ahead log in bytes (0 after a checkpoint).
   * @example 0
   */
  wal_size_bytes!: number;

  /**
   * True when the catalog has the database but its file is gone: queries answer 503
   * `DATABASE_FILE_MISSING` until it is restored or deleted; nothing is created in its place.
   * @example false
   */
  missing!: boolean;
}

export class ReplicationStateDto {
  /**
   * Where the database replicates.
   * @example file:///srv/replicas/agent_memory_db
   */
  replica!: string;

  /**
   * Litestream's position of the last frames shipped: `<generation>/<WAL index>:<offset>`; null until the first.
   * @example a335655afb48f544/00000000:436752
   */
  @ApiProperty({ type: String, nullable: true })
  position!: string | null;

  /**
   * When frames were last shipped (ISO 8601).
   * @example 2026-12-03T10:15:01.200Z
   */
  @ApiProperty({ type: String, nullable: true })
  replicated_at!: string | null;

  /**
   * How long the newest write has waited to be shipped, in ms (0: everything is in the replica).
   * @example 0
   */
  lag_ms!: number;

  /** Litestream's last error for this database, cleared by the next shipment. */
  @ApiProperty({ type: String, nullable: true })
  last_error!: string | null;
}

export class DatabaseDetailsDto {
  /**
   * @example agent_memory_db
   */
  name!: string;

  /**
   * `active` or `pruned`.
   * @example active
   */
  status!: string;

  /**
   * @example docker
   */
  runtime!: string;

  /**
   * @example 2026-11-28T04:30:00.000Z
   */
  created_at!: string;

  /**
   * Last spawn or prune (ISO 8601).
   * @example 2026-11-28T04:30:00.000Z
   */
  updated_at!: string;

  @ApiProperty({ type: String, nullable: true })
  container_id!: string | null;

  /** The worker; `null` for a pruned database. */
  @ApiProperty({ type: WorkerDetailsDto, nullable: true })
  worker!: WorkerDetailsDto | null;

  file!: DatabaseFileDto;

  /** Continuous replication (DBFORGE_REPLICA_URL); null when it is off. */
  @ApiProperty({ type: ReplicationStateDto, nullable: true })
  replication!: ReplicationStateDto | null;
}
