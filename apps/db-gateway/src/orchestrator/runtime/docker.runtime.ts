import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import Docker from 'dockerode';
import { join } from 'node:path';
import { DomainError } from '../../common/domain.error';
import { GatewayConfig } from '../../config/gateway.config';
import { ContainerRuntime, RuntimeHealth, WorkerInfo } from './container-runtime.port';
import { isDockerNotFound, translateDockerError } from './docker-errors';

export const MANAGED_LABEL = 'dbforge.managed';
export const DATABASE_LABEL = 'dbforge.database';
/** The labels v1 put on its workers; kept so v1 tooling still finds them, and so v1 workers are found. */
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
    const existing = await this.inspect(database);
    if (existing.state === 'running') return existing;
    try {
      if (existing.state === 'missing') await this.create(database);
      await this.docker.getContainer(workerName(database)).start();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 304) throw translateDockerError(error, `start the worker of '${database}'`);
    }
    return this.inspect(database);
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
    try {
      await this.docker.getImage(this.config.workerImage).inspect();
      return true;
    } catch {
      return false;
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
    if (!engine.up || (await this.hasWorkerImage())) return engine;
    return { up: false, detail: `${engine.detail} has no worker image ${this.config.workerImage}: ${WORKER_IMAGE_HINT}` };
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
  return {
    name: workerName(database),
    Image: config.workerImage,
    User: config.workerUser,
    WorkingDir: WORKER_DIRECTORY,
    Labels: { [MANAGED_LABEL]: 'true', [DATABASE_LABEL]: database, [V1_WORKER_LABEL]: 'true', [V1_NAME_LABEL]: database },
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: config.workerMemoryMb * 1024 * 1024,
      NanoCpus: Math.round(config.workerCpus * 1e9),
      PidsLimit: config.workerPids,
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
      Binds: [`${join(config.hostDataDir, database)}:${WORKER_DIRECTORY}`],
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
