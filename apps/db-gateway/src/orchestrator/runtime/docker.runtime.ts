import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import Docker from 'dockerode';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ContainerRuntime, RuntimeHealth, WorkerInfo } from './container-runtime.port';
import { isDockerNotFound, translateDockerError } from './docker-errors';
import { LITESTREAM_IMAGE_LABEL, prepareWorkerReplication, workerReplication } from './worker-replication';

export const MANAGED_LABEL = 'dbforge.managed';
export const DATABASE_LABEL = 'dbforge.database';
/** The labels v1 put on its workers; kept so v1 tooling still finds them, and so v1 workers are found. */
/** On workers that run Litestream for their database. */
export const REPLICATING_LABEL = 'dbforge.replicating';
export const V1_WORKER_LABEL = 'db-worker';
export const V1_NAME_LABEL = 'db-name';
const WORKER_DIRECTORY = '/data';
/** How to get the worker image, said wherever its absence shows. */
export const WORKER_IMAGE_HINT = 'build it with `npm run worker-image` (or point DBFORGE_WORKER_IMAGE at one the engine has)';
export const STOP_SECONDS = 5;
const ENGINE_TIMEOUT_MS = 15_000;

export function workerName(database: string): string {
  return `db-worker-${database}`;
}

/**
 * Workers are containers on a Docker engine, one per database, named `db-worker-<name>`, hardened by
 * default: no network, read-only root, no capabilities, no-new-privileges, a non-root user, memory /
 * CPU / pids limits, an init process (so a stop takes milliseconds), restarted unless stopped. Each
 * bind-mounts only its own database directory.
 */
@Injectable()
export class DockerRuntime extends ContainerRuntime implements OnModuleDestroy {
  readonly kind = 'docker' as const;
  private readonly logger = new Logger(DockerRuntime.name);
  private readonly docker: Docker;
  private readonly watchers = new Set<() => void>();

  constructor(private readonly config: GatewayConfig) {
    super();
    // An engine that accepts connections but never answers must not hang spawn, list or readiness.
    this.docker = new Docker({ socketPath: config.dockerSocket, timeout: ENGINE_TIMEOUT_MS });
  }

  onModuleDestroy(): void {
    for (const stop of [...this.watchers]) stop();
  }

  async start(database: string): Promise<WorkerInfo> {
    let existing = await this.inspect(database);
    if (existing.state !== 'missing' && !(await this.runsAsCreatedNow(database))) {
      // Created for another setting (replication turned on or off since): made again, the data stays.
      await this.remove(database);
      existing = await this.inspect(database);
    }
    if (existing.state === 'running') return existing;
    try {
      await prepareWorkerReplication(this.config, database, WORKER_DIRECTORY);
      if (existing.state === 'missing') await this.create(database);
      await this.docker.getContainer(workerName(database)).start();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if ((error as { statusCode?: number }).statusCode !== 304) throw translateDockerError(error, `start the worker of '${database}'`);
    }
    return this.inspect(database);
  }

  /** Whether the worker replicates exactly when the gateway does (a v1 worker, never created by this gateway, is kept). */
  private async runsAsCreatedNow(database: string): Promise<boolean> {
    try {
      const labels = (await this.docker.getContainer(workerName(database)).inspect()).Config.Labels ?? {};
      return labels[MANAGED_LABEL] !== 'true' || (labels[REPLICATING_LABEL] === 'true') === (workerReplication(this.config, database, WORKER_DIRECTORY) !== undefined);
    } catch (error) {
      if (isDockerNotFound(error)) return true;
      throw translateDockerError(error, `inspect the worker of '${database}'`);
    }
  }

  /** Stops the worker and keeps it (`start` starts it again); stopping a stopped or missing worker succeeds. */
  async stop(database: string): Promise<void> {
    try {
      await this.docker.getContainer(workerName(database)).stop({ t: STOP_SECONDS });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 304 && status !== 404) throw translateDockerError(error, `stop the worker of '${database}'`);
    }
  }

  /**
   * Calls `onLine` with each line the worker prints (stdout and stderr) from `since` (epoch seconds)
   * on, with the engine's timestamp of it (RFC 3339, nanoseconds, fixed width: ordered as text),
   * until it stops or `signal` aborts; resolves then. `onOpen` is called once the engine follows.
   */
  async followOutput(
    database: string,
    since: number,
    { onOpen, onLine, signal }: { onOpen: () => void; onLine: (at: string, line: string) => void; signal: AbortSignal },
  ): Promise<void> {
    const stream = (await this.docker.getContainer(workerName(database)).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since, abortSignal: signal })) as NodeJS.ReadableStream;
    onOpen();
    await new Promise<void>((resolve) => {
      let buffered = '';
      const lines = new Writable({
        write(chunk: Buffer, _encoding, done) {
          buffered += chunk.toString();
          const complete = buffered.split('\n');
          buffered = complete.pop() ?? '';
          for (const line of complete) {
            const space = line.indexOf(' ');
            onLine(line.slice(0, space), line.slice(space + 1));
          }
          done();
        },
      });
      this.docker.modem.demuxStream(stream, lines, lines);
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
  }

  async remove(database: string): Promise<void> {
    const container = this.docker.getContainer(workerName(database));
    try {
      await container.stop({ t: STOP_SECONDS });
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 304 && status !== 404) throw translateDockerError(error, `stop the worker of '${database}'`);
    }
    try {
      await container.remove({ force: true });
    } catch (error) {
      if (!isDockerNotFound(error) && (error as { statusCode?: number }).statusCode !== 409) {
        throw translateDockerError(error, `remove the worker of '${database}'`);
      }
    }
  }

  async inspect(database: string): Promise<WorkerInfo> {
    try {
      const info = await this.docker.getContainer(workerName(database)).inspect();
      return {
        database,
        id: info.Id,
        state: info.State.Status,
        image: info.Config.Image,
        startedAt: info.State.StartedAt && !info.State.StartedAt.startsWith('0001-') ? info.State.StartedAt : null,
        limits: { memoryBytes: info.HostConfig.Memory ?? 0, nanoCpus: info.HostConfig.NanoCpus ?? 0, pids: info.HostConfig.PidsLimit ?? 0 },
      };
    } catch (error) {
      if (isDockerNotFound(error)) return { database, id: null, state: 'missing', image: null, startedAt: null, limits: null };
      throw translateDockerError(error, `inspect the worker of '${database}'`);
    }
  }

  async list(): Promise<WorkerInfo[]> {
    try {
      const [managed, v1] = await Promise.all([
        this.docker.listContainers({ all: true, filters: { label: [`${MANAGED_LABEL}=true`] } }),
        this.docker.listContainers({ all: true, filters: { label: [`${V1_WORKER_LABEL}=true`] } }),
      ]);
      const byId = new Map([...managed, ...v1].map((container) => [container.Id, container]));
      return [...byId.values()].map((container) => ({
        database: container.Labels[DATABASE_LABEL] ?? container.Labels[V1_NAME_LABEL] ?? '',
        id: container.Id,
        state: container.State,
        image: container.Image,
        startedAt: null,
        limits: null,
      }));
    } catch (error) {
      throw translateDockerError(error, 'list workers');
    }
  }

  /** Whether the worker image exists on the engine (auto mode falls back to embedded without it). */
  async hasWorkerImage(): Promise<boolean> {
    return (await this.workerImageProblem()) === undefined;
  }

  /** Why the worker image cannot serve (missing, or without Litestream while replicating); undefined when it can. */
  private async workerImageProblem(): Promise<string | undefined> {
    try {
      const image = await this.docker.getImage(this.config.workerImage).inspect();
      if (workerReplication(this.config, '-', WORKER_DIRECTORY) && image.Config?.Labels?.[LITESTREAM_IMAGE_LABEL] === undefined) {
        return `the worker image ${this.config.workerImage} has no Litestream, which replication (DBFORGE_REPLICA_URL) runs in each worker: rebuild it with \`npm run worker-image\``;
      }
      return undefined;
    } catch {
      return `has no worker image ${this.config.workerImage}: ${WORKER_IMAGE_HINT}`;
    }
  }

  /** Whether the engine answers at all (auto mode asks this first). */
  async engineHealth(): Promise<RuntimeHealth> {
    try {
      await this.docker.ping();
      return { up: true, detail: `docker engine at ${this.config.dockerSocket}` };
    } catch (error) {
      return { up: false, detail: translateDockerError(error, 'answer a ping').message };
    }
  }

  /** Up when the engine answers and has the worker image: without it every spawn would fail. */
  async health(): Promise<RuntimeHealth> {
    const engine = await this.engineHealth();
    const problem = engine.up ? await this.workerImageProblem() : undefined;
    return problem ? { up: false, detail: `${engine.detail} ${problem}` } : engine;
  }

  watch(onChange: (database: string) => void): () => void {
    let stopped = false;
    let stream: NodeJS.ReadableStream | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = () => {
      if (stopped) return;
      this.docker.getEvents(
        { filters: { type: ['container'], label: [`${MANAGED_LABEL}=true`], event: ['die', 'destroy', 'oom'] } },
        (error, events) => {
          if (stopped) {
            // Stopped while connecting: close the stream that arrived too late.
            (events as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
            return;
          }
          if (error || !events) {
            retry = setTimeout(connect, 2000);
            return;
          }
          stream = events;
          let buffered = '';
          events.on('data', (chunk: Buffer) => {
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) {
              const database = parseEventDatabase(line);
              if (database) onChange(database);
            }
          });
          const reconnect = () => {
            if (!stopped) retry = setTimeout(connect, 2000);
          };
          events.on('error', () => undefined);
          events.on('close', reconnect);
        },
      );
    };
    connect();
    const stop = () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      (stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
      this.watchers.delete(stop);
    };
    this.watchers.add(stop);
    return stop;
  }

  private async create(database: string): Promise<void> {
    try {
      await this.docker.createContainer(workerCreateOptions(this.config, database));
    } catch (error) {
      if (isDockerNotFound(error)) {
        const reason = (error as { json?: { message?: string } }).json?.message ?? `No such image: ${this.config.workerImage}`;
        throw new DomainError(ErrorCode.RUNTIME_FAILURE, `Docker engine could not create the worker of '${database}': ${reason}. The worker image is missing: ${WORKER_IMAGE_HINT}.`);
      }
      throw translateDockerError(error, `create the worker of '${database}'`);
    }
    this.logger.log(`Created worker ${workerName(database)} from ${this.config.workerImage}.`);
  }
}

/** The container a database's worker is created as (exported so the benchmark creates the very same one). */
export function workerCreateOptions(config: GatewayConfig, database: string): Docker.ContainerCreateOptions {
  const replication = workerReplication(config, database, WORKER_DIRECTORY);
  const bind = `${join(config.hostDataDir, database)}:${WORKER_DIRECTORY}`;
  return {
    name: workerName(database),
    Image: config.workerImage,
    ...(replication && { Cmd: replication.cmd }),
    User: config.workerUser,
    WorkingDir: WORKER_DIRECTORY,
    Labels: { [MANAGED_LABEL]: 'true', [DATABASE_LABEL]: database, [V1_WORKER_LABEL]: 'true', [V1_NAME_LABEL]: database, ...(replication && { [REPLICATING_LABEL]: 'true' }) },
    HostConfig: {
      NetworkMode: replication?.networkMode ?? 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: config.workerMemoryMb * 1024 * 1024,
      NanoCpus: Math.round(config.workerCpus * 1e9),
      PidsLimit: config.workerPids,
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
      Binds: [bind, ...(replication?.binds ?? [])],
    },
  };
}

function parseEventDatabase(line: string): string | undefined {
  if (!line.trim()) return undefined;
  try {
    const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
    return event.Actor?.Attributes?.[DATABASE_LABEL];
  } catch {
    return undefined;
  }
}
