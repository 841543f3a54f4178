import { litestreamConfig, litestreamEvent } from './litestream';

describe('Litestream log lines and configuration', () => {
  it('reads shipments in both log formats, with the position where the segment ends', () => {
    expect(litestreamEvent('time=2026-12-03T16:52:26.623Z level=INFO msg="wal segment written" db=/d/x.db replica=file position=67a7113e821e7a95/00000000:16512 elapsed=3.07ms sz=4120')).toEqual({
      kind: 'replicated',
      file: '/d/x.db',
      position: '67a7113e821e7a95/00000000:20632',
    });
    expect(litestreamEvent('2026/12/03 16:39:25 INFO wal segment written db=/d/a.db replica=file position=a335655afb48f544/00000000:436752 elapsed=5.7ms sz=412000')).toEqual({
      kind: 'replicated',
      file: '/d/a.db',
      position: 'a335655afb48f544/00000000:848752',
    });
    expect(litestreamEvent('time=x level=INFO msg="snapshot written" db=/d/x.db replica=file position=67a7113e821e7a95/00000000:16512 elapsed=11ms sz=333')).toMatchObject({ position: '67a7113e821e7a95/00000000:16512' });
    expect(litestreamEvent('time=x level=INFO msg="write wal segment" db=/d/x.db replica=file position=67a7113e821e7a95/00000000:0')).toBeUndefined();
  });

  it('reads errors that name their database', () => {
    expect(litestreamEvent('time=x level=ERROR msg="sync error" db=/d/x.db error="disk full"')).toEqual({ kind: 'error', file: '/d/x.db', message: 'sync error error="disk full"' });
  });

  it('writes one replica per database, quoted, with the interval, retention and endpoint', () => {
    const settings = { url: 's3://bucket/pre', s3Endpoint: 'http://127.0.0.1:9000', syncIntervalMs: 500, retentionHours: 24 };
    const yaml = litestreamConfig(settings, new Map([['a "b"', '/d/a.db']]));
    expect(yaml).toContain('  - path: "/d/a.db"\n    replicas:\n      - url: "s3://bucket/pre/a \\"b\\""\n        sync-interval: 500ms\n        retention: 1440m\n        endpoint: "http://127.0.0.1:9000"');
    expect(yaml).not.toContain('access-key-id');
    const withKeys = litestreamConfig({ ...settings, s3Credentials: { accessKeyId: 'AK', secretAccessKey: 's"ecret' } }, new Map([['a', '/d/a.db']]));
    expect(withKeys).toContain('        access-key-id: "AK"\n        secret-access-key: "s\\"ecret"');
    // A file:// replica never carries them.
    expect(litestreamConfig({ ...settings, url: 'file:///r', s3Credentials: { accessKeyId: 'AK', secretAccessKey: 'S' } }, new Map([['a', '/d/a.db']]))).not.toContain('AK');
  });
});
