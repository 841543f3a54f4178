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
      host: '0.0.0.0',
      dataDir: resolve('db-data'),
      runtime: 'auto',
      poolReaders: 4,
      maxOpenDatabases: 256,
      busyTimeoutMs: 5000,
      synchronous: 'NORMAL',
      maxBodyBytes: 10 * 1024 * 1024,
    });
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
    });
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
  ])('rejects %s=%s', (name, value, reason) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    const prefix = `${name}="${value}": `;
    expect(problems[0].slice(0, prefix.length)).toBe(prefix);
    expect(problems[0]).toMatch(reason);
  });
});
