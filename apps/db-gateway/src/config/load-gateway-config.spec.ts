import { isAbsolute, join, resolve } from 'node:path';
import { GatewayConfig } from './gateway.config';
import { InvalidConfigError, loadGatewayConfig } from './load-gateway-config';

/** The problems an InvalidConfigError lists, one per line. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    const [heading, ...problems] = error.message.split('\n');
    expect(heading).toBe('Invalid configuration:');
    return problems.map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error(`loadGatewayConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadGatewayConfig', () => {
  it('uses the defaults for an empty environment', () => {
    const config = loadGatewayConfig({});
    expect(config).toBeInstanceOf(GatewayConfig);
    expect({ ...config }).toEqual({
      port: 8000,
      host: '127.0.0.1',
      dataDir: resolve('db-data'),
      runtime: 'auto',
      poolReaders: 4,
      maxOpenDatabases: 256,
      busyTimeoutMs: 5000,
      synchronous: 'NORMAL',
      maxBodyBytes: 10 * 1024 * 1024,
      workerImage: 'db-worker-base:latest',
      hostDataDir: resolve('db-data'),
      dockerSocket: '/var/run/docker.sock',
      workerMemoryMb: 64,
      workerCpus: 0.25,
      workerPids: 32,
      workerUser: '10001:10001',
      maxStatements: 10000,
      maxResultRows: 10000,
      maxResultBytes: 64 * 1024 * 1024,
      statementTimeoutMs: 10000,
      readerWaitMs: 5000,
      transactionIdleMs: 10000,
      transactionMaxMs: 30000,
      transactionWaitMs: 5000,
      rateLimitPerSecond: 1000,
      rateLimitBurst: 2000,
      authFailuresPerMinute: 60,
      maxValueBytes: 64 * 1024 * 1024,
      logLevel: 'info',
      logFormat: 'json',
      slowStatementMs: 500,
      metricsMaxDatabases: 100,
      trashRetentionHours: 168,
      trashSweepIntervalMs: 3_600_000,
      snapshotIntervalMinutes: 0,
      replicaSyncIntervalMs: 1000,
      replicaRetentionHours: 168,
      snapshotRetention: 7,
      maxRestoreBytes: 1024 * 1024 * 1024,
      open: false,
    });
    expect(config.adminKey).toBeUndefined();
    expect(isAbsolute(config.dataDir)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadGatewayConfig({ PORT: '', DBFORGE_RUNTIME: '' })).toMatchObject({ port: 8000, runtime: 'auto' });
  });

  it('reads every variable', () => {
    const config = loadGatewayConfig({
      PORT: ' 9090 ',
      HOST: '127.0.0.1',
      DBFORGE_DATA_DIR: 'relative/data',
      DBFORGE_RUNTIME: 'Docker',
      DBFORGE_POOL_READERS: '8',
      DBFORGE_MAX_OPEN_DATABASES: '2',
      DBFORGE_BUSY_TIMEOUT_MS: '0',
      DBFORGE_SYNCHRONOUS: 'full',
      DBFORGE_MAX_BODY_BYTES: '2048',
      DBFORGE_WORKER_IMAGE: 'my-worker:2',
      DBFORGE_HOST_DATA_DIR: '/host/db-data',
      DBFORGE_DOCKER_SOCKET: '/run/docker.sock',
      DBFORGE_WORKER_MEMORY_MB: '256',
      DBFORGE_WORKER_CPUS: '1.5',
      DBFORGE_WORKER_PIDS: '100',
      DBFORGE_WORKER_USER: '2000:2000',
      DBFORGE_ADMIN_KEY: 'a-long-enough-admin-key',
      DBFORGE_MAX_STATEMENTS: '5',
      DBFORGE_MAX_RESULT_ROWS: '7',
      DBFORGE_MAX_RESULT_BYTES: '5000',
      DBFORGE_STATEMENT_TIMEOUT_MS: '250',
      DBFORGE_READER_WAIT_MS: '750',
      DBFORGE_RATE_LIMIT_PER_SECOND: '2.5',
      DBFORGE_RATE_LIMIT_BURST: '3',
      DBFORGE_AUTH_FAILURES_PER_MINUTE: '0',
      DBFORGE_MAX_VALUE_BYTES: '4096',
      DBFORGE_LOG_LEVEL: 'DEBUG',
      DBFORGE_LOG_FORMAT: 'pretty',
      DBFORGE_SLOW_STATEMENT_MS: '0',
      DBFORGE_METRICS_MAX_DATABASES: '3',
      DBFORGE_TRASH_RETENTION_HOURS: '0.5',
      DBFORGE_TRASH_SWEEP_INTERVAL_MS: '60000',
      DBFORGE_SNAPSHOT_INTERVAL_MINUTES: '60',
      DBFORGE_REPLICA_URL: 'file:///srv/replicas',
      DBFORGE_REPLICA_S3_ENDPOINT: 'http://127.0.0.1:9000',
      DBFORGE_REPLICA_SYNC_INTERVAL_MS: '500',
      DBFORGE_REPLICA_RETENTION_HOURS: '24',
      DBFORGE_LITESTREAM_BIN: '/usr/local/bin/litestream',
      DBFORGE_SNAPSHOT_RETENTION: '2',
      DBFORGE_MAX_RESTORE_BYTES: '4096',
      DBFORGE_TRANSACTION_IDLE_MS: '2000',
      DBFORGE_TRANSACTION_MAX_MS: '9000',
      DBFORGE_TRANSACTION_WAIT_MS: '0',
    });
    expect({ ...config }).toEqual({
      port: 9090,
      host: '127.0.0.1',
      dataDir: join(process.cwd(), 'relative/data'),
      runtime: 'docker',
      poolReaders: 8,
      maxOpenDatabases: 2,
      busyTimeoutMs: 0,
      synchronous: 'FULL',
      maxBodyBytes: 2048,
      workerImage: 'my-worker:2',
      hostDataDir: '/host/db-data',
      dockerSocket: '/run/docker.sock',
      workerMemoryMb: 256,
      workerCpus: 1.5,
      workerPids: 100,
      workerUser: '2000:2000',
      adminKey: 'a-long-enough-admin-key',
      maxStatements: 5,
      maxResultRows: 7,
      maxResultBytes: 5000,
      statementTimeoutMs: 250,
      transactionIdleMs: 2000,
      transactionMaxMs: 9000,
      transactionWaitMs: 0,
      readerWaitMs: 750,
      rateLimitPerSecond: 2.5,
      rateLimitBurst: 3,
      authFailuresPerMinute: 0,
      maxValueBytes: 4096,
      logLevel: 'debug',
      logFormat: 'pretty',
      slowStatementMs: 0,
      metricsMaxDatabases: 3,
      trashRetentionHours: 0.5,
      trashSweepIntervalMs: 60_000,
      snapshotIntervalMinutes: 60,
      replicaUrl: 'file:///srv/replicas',
      replicaS3Endpoint: 'http://127.0.0.1:9000',
      replicaSyncIntervalMs: 500,
      replicaRetentionHours: 24,
      litestreamBin: '/usr/local/bin/litestream',
      snapshotRetention: 2,
      maxRestoreBytes: 4096,
      open: false,
    });
  });

  it.each([
    ['a root worker user', { DBFORGE_WORKER_USER: '0:0' }, 'DBFORGE_WORKER_USER'],
    ['a worker user name', { DBFORGE_WORKER_USER: 'root' }, 'DBFORGE_WORKER_USER'],
    ['a CPU share that is not a number', { DBFORGE_WORKER_CPUS: 'half' }, 'DBFORGE_WORKER_CPUS'],
    ['a memory limit below what Docker accepts', { DBFORGE_WORKER_MEMORY_MB: '1' }, 'DBFORGE_WORKER_MEMORY_MB'],
    ['a short admin key', { DBFORGE_ADMIN_KEY: 'short' }, 'DBFORGE_ADMIN_KEY=(hidden)'],
    ['a snapshot retention of 0', { DBFORGE_SNAPSHOT_RETENTION: '0' }, 'DBFORGE_SNAPSHOT_RETENTION'],
    ['a negative failed-authentication limit', { DBFORGE_AUTH_FAILURES_PER_MINUTE: '-1' }, 'DBFORGE_AUTH_FAILURES_PER_MINUTE'],
    ['a fractional failed-authentication limit', { DBFORGE_AUTH_FAILURES_PER_MINUTE: '2.5' }, 'DBFORGE_AUTH_FAILURES_PER_MINUTE'],
    ['a restore limit below 1 KiB', { DBFORGE_MAX_RESTORE_BYTES: '10' }, 'DBFORGE_MAX_RESTORE_BYTES'],
  ])('refuses %s', (_label, env, variable) => {
    expect(problemsOf(env).join('\n')).toContain(variable);
  });

  it('logs pretty by default in development only', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'development' }).logFormat).toBe('pretty');
    expect(loadGatewayConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadGatewayConfig({ NODE_ENV: 'development', DBFORGE_LOG_FORMAT: 'json' }).logFormat).toBe('json');
  });

  it('keeps an absolute data directory as given', () => {
    expect(loadGatewayConfig({ DBFORGE_DATA_DIR: '/srv/dbforge' }).dataDir).toBe('/srv/dbforge');
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DBFORGE_RUNTIME: 'kubernetes',
      DBFORGE_POOL_READERS: '0',
      DBFORGE_SYNCHRONOUS: 'OFF',
      HOST: 'localhost',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT="abc": .*integer/),
        expect.stringMatching(/^DBFORGE_RUNTIME="kubernetes": .*auto, docker, embedded/),
        expect.stringMatching(/^DBFORGE_POOL_READERS="0": .*not be less than 1/),
        expect.stringMatching(/^DBFORGE_SYNCHRONOUS="OFF": .*NORMAL, FULL/),
      ]),
    );
  });

  it.each([
    ['PORT', '70000', /not be greater than 65535/],
    ['PORT', '-1', /not be less than 0/],
    ['PORT', '80.5', /integer/],
    ['DBFORGE_MAX_OPEN_DATABASES', '0', /not be less than 1/],
    ['DBFORGE_BUSY_TIMEOUT_MS', 'soon', /integer/],
    ['DBFORGE_MAX_BODY_BYTES', '10', /not be less than 1024/],
    ['DBFORGE_TRASH_RETENTION_HOURS', '-1', /not be less than 0/],
    ['DBFORGE_TRASH_RETENTION_HOURS', 'a week', /number/],
    ['DBFORGE_TRASH_SWEEP_INTERVAL_MS', '0', /not be less than 10/],
  ])('rejects %s=%s', (name, value, reason) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    const prefix = `${name}="${value}": `;
    expect(problems[0].slice(0, prefix.length)).toBe(prefix);
    expect(problems[0]).toMatch(reason);
  });

  describe('safe by default: no keyless gateway reachable from other machines', () => {
    const ADMIN_KEY = 'a-secret-of-sixteen-chars';

    it.each(['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST', '::1', '[::1]'])('serves keyless on the loopback address %s', (host) => {
      expect(loadGatewayConfig({ HOST: host })).toMatchObject({ host, open: false, adminKey: undefined });
    });

    it.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'db.example.com', '128.0.0.1'])('refuses HOST=%s without a key, naming both ways out', (host) => {
      const problems = problemsOf({ HOST: host });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`HOST="${host}" is reachable from other machines`);
      expect(problems[0]).toContain('Set DBFORGE_ADMIN_KEY');
      expect(problems[0]).toContain('DBFORGE_OPEN=true');
    });

    it('serves a non-loopback address with an admin key, or with DBFORGE_OPEN=true', () => {
      expect(loadGatewayConfig({ HOST: '0.0.0.0', DBFORGE_ADMIN_KEY: ADMIN_KEY })).toMatchObject({ host: '0.0.0.0', adminKey: ADMIN_KEY, open: false });
      for (const open of ['true', 'TRUE', '1', 'yes']) expect(loadGatewayConfig({ HOST: '0.0.0.0', DBFORGE_OPEN: open })).toMatchObject({ open: true });
    });

    it('reads DBFORGE_OPEN=false (and 0, no) as off', () => {
      for (const closed of ['false', '0', 'no']) expect(loadGatewayConfig({ DBFORGE_OPEN: closed }).open).toBe(false);
      expect(problemsOf({ HOST: '0.0.0.0', DBFORGE_OPEN: 'false' })[0]).toContain('is reachable from other machines');
    });

    it('refuses a DBFORGE_OPEN that is not a boolean', () => {
      expect(problemsOf({ DBFORGE_OPEN: 'maybe' })).toEqual(['DBFORGE_OPEN="maybe": must be true or false']);
    });

    it('refuses DBFORGE_OPEN=true together with an admin key: one or the other', () => {
      const problems = problemsOf({ DBFORGE_OPEN: 'true', DBFORGE_ADMIN_KEY: ADMIN_KEY });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/DBFORGE_OPEN=true and DBFORGE_ADMIN_KEY are both set: choose one/);
    });
  });
});
