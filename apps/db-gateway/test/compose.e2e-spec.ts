import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS, loadGatewayConfig } from '../src/config/load-gateway-config';
import { describeWhen } from './support/docker-engine';

const repo = resolve(__dirname, '../../..');

interface ComposeService {
  build?: { context: string };
  image?: string;
  environment?: Record<string, string>;
  /** docker-compose 1.x prints short syntax: `source:target[:mode]`. */
  volumes?: string[];
  labels?: Record<string, string>;
  ports?: { target: number; published: number }[];
  healthcheck?: { test: string[] };
  command?: string[];
}

function mounts(service: ComposeService): { source: string; target: string; mode: string }[] {
  return (service.volumes ?? []).map((volume) => {
    const [source, target, mode = 'rw'] = volume.split(':');
    return { source, target, mode };
  });
}

function composeStatus(): { available: boolean; reason: string } {
  const result = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  return result.status === 0 ? { available: true, reason: `docker-compose ${result.stdout.trim()}` } : { available: false, reason: 'docker-compose is not installed' };
}

/** `docker-compose config` as a user on a host at /srv/dbforge would run it. */
/** `docker-compose config` with `env` as the variables a `.env` file (or the shell) gives it. */
function composeConfig(file: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('docker-compose', ['-f', file, '--project-directory', dirname(file), 'config'], {
    encoding: 'utf8',
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', PWD: '/srv/dbforge', DOCKER_GID: '998', ...env },
  });
}

function gatewayEnvironment(env: Record<string, string>): Record<string, string> {
  const result = composeConfig(join(repo, 'docker-compose.yml'), env);
  expect(result.status).toBe(0);
  return (parse(result.stdout) as { services: Record<string, ComposeService> }).services['db-gateway'].environment ?? {};
}

describeWhen(composeStatus(), 'the compose stack (docker-compose config)', () => {
  let services: Record<string, ComposeService>;
  let gateway: ComposeService;

  beforeAll(() => {
    const result = composeConfig(join(repo, 'docker-compose.yml'));
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    services = (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
    gateway = services['db-gateway'];
  });

  it('is a file docker-compose accepts, and a broken one is refused (the check is real)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbforge-compose-'));
    try {
      writeFileSync(join(dir, 'docker-compose.yml'), readFileSync(join(repo, 'docker-compose.yml'), 'utf8').replace('restart: unless-stopped', 'restartt: unless-stopped'));
      expect(composeConfig(join(dir, 'docker-compose.yml')).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the gateway an environment its config accepts, on the Docker runtime, with the key from .env', () => {
    const env = gatewayEnvironment({ DBFORGE_ADMIN_KEY: 'compose-admin-key-0123456789' });
    for (const name of Object.keys(env)) expect(Object.keys(CONFIG_DEFAULTS)).toContain(name);
    const config = loadGatewayConfig(env);
    expect(config.runtime).toBe('docker');
    expect(config.port).toBe(8000);
    expect(config.adminKey).toBe('compose-admin-key-0123456789');
  });

  it('refuses to serve all interfaces with neither a key nor DBFORGE_OPEN=true, and serves keyless with it', () => {
    expect(() => loadGatewayConfig(gateway.environment ?? {})).toThrow(/HOST="0.0.0.0" is reachable from other machines[\s\S]*DBFORGE_ADMIN_KEY[\s\S]*DBFORGE_OPEN=true/);
    expect(loadGatewayConfig(gatewayEnvironment({ DBFORGE_OPEN: 'true' }))).toMatchObject({ open: true, adminKey: undefined });
    const example = readFileSync(join(repo, '.env.example'), 'utf8');
    expect(example).toMatch(/^DBFORGE_ADMIN_KEY=$/m);
    expect(example).toMatch(/^# DBFORGE_OPEN=true$/m);
  });

  it('mounts ./db-data at the data directory and tells the gateway the host path of it', () => {
    const env = gateway.environment ?? {};
    const data = mounts(gateway).find((volume) => volume.target === env.DBFORGE_DATA_DIR);
    expect(data).toEqual({ source: join(repo, 'db-data'), target: '/data', mode: 'rw' });
    expect(env.DBFORGE_HOST_DATA_DIR).toBe('/srv/dbforge/db-data');
  });

  it('mounts the Docker socket where the gateway looks for it, with the socket group added', () => {
    const env = gateway.environment ?? {};
    expect(mounts(gateway)).toContainEqual({ source: '/var/run/docker.sock', target: env.DBFORGE_DOCKER_SOCKET, mode: 'rw' });
    expect((gateway as { group_add?: string[] }).group_add).toEqual(['998']);
  });

  it('routes Host(db.localhost) through Traefik to the port the gateway listens on', () => {
    const labels = gateway.labels ?? {};
    expect(labels['traefik.enable']).toBe('true');
    expect(labels['traefik.http.routers.db-gateway.rule']).toBe('Host(`db.localhost`)');
    expect(labels['traefik.http.services.db-gateway.loadbalancer.server.port']).toBe(gateway.environment?.PORT);
    const entryPoint = labels['traefik.http.routers.db-gateway.entrypoints'];
    const traefik = parse(readFileSync(join(repo, 'infra/traefik/traefik.yml'), 'utf8')) as {
      entryPoints: Record<string, { address: string }>;
      providers: { docker: { exposedByDefault: boolean } };
    };
    expect(traefik.entryPoints[entryPoint].address).toBe(':80');
    expect(traefik.providers.docker.exposedByDefault).toBe(false);
    expect(services.traefik.image).toMatch(/^traefik:v2\./);
    expect(services.traefik.ports).toEqual([{ target: 80, published: 80 }]);
    expect(mounts(services.traefik)).toContainEqual({ source: join(repo, 'infra/traefik/traefik.yml'), target: '/etc/traefik/traefik.yml', mode: 'ro' });
  });

  it('builds the worker image the gateway starts workers from', () => {
    const worker = services['db-worker-base'];
    expect(worker.image).toBe(gateway.environment?.DBFORGE_WORKER_IMAGE);
    expect(worker.build?.context).toBe(join(repo, 'infra/db-worker-base'));
    const dockerfile = readFileSync(join(repo, 'infra/db-worker-base/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM alpine:/m);
    expect(dockerfile).toMatch(/apk add --no-cache sqlite/);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(loadGatewayConfig({}).workerUser).toBe('10001:10001');
  });

  it('health-checks the gateway on /health/live, in compose and in the image', () => {
    expect(gateway.healthcheck?.test.join(' ')).toContain('/health/live');
    const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health\/live/);
    expect(dockerfile).toMatch(/^EXPOSE 8000$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/AS build[\s\S]*npm ci[\s\S]*^FROM node:20/m);
  });
});
