import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('concurrency', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // An open-database cap below the number of databases used makes pools churn under load.
    gateway = await startGateway(await makeDataDir(), { DBFORGE_MAX_OPEN_DATABASES: '3', DBFORGE_POOL_READERS: '3' });
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  async function prepare(name: string): Promise<void> {
    await gateway.http.post(`/admin/databases/spawn/${name}`).expect(201);
    await gateway.http.post(`/api/db/${name}/query`).send({ sql: 'CREATE TABLE events (id INTEGER PRIMARY KEY, source TEXT NOT NULL, n INTEGER NOT NULL)' }).expect(200);
  }

  it('many parallel writers and readers on one database: no error, no lost or duplicated row', async () => {
    await prepare('busy');
    const queryWrites = Array.from({ length: 150 }, (_, n) =>
      gateway.http.post('/api/db/busy/query').send({ sql: 'INSERT INTO events (source, n) VALUES (?, ?)', params: ['query', n] }),
    );
    const batchWrites = Array.from({ length: 30 }, (_, batch) =>
      gateway.http.post('/api/db/busy/tables/events/rows').send({ rows: Array.from({ length: 5 }, (_, i) => ({ source: 'rows', n: batch * 5 + i })) }),
    );
    const reads = Array.from({ length: 150 }, (_, n) =>
      n % 2 === 0
        ? gateway.http.post('/api/db/busy/query').send({ sql: 'SELECT count(*) AS c FROM events' })
        : gateway.http.get('/api/db/busy/tables/events/rows?source=query'),
    );
    const responses = await Promise.all([...queryWrites, ...batchWrites, ...reads]);

    const failures = responses.filter((response) => response.status >= 300).map((response) => [response.status, response.body]);
    expect(failures).toEqual([]);
    const counts = await gateway.http
      .post('/api/db/busy/query')
      .send({ sql: 'SELECT source, count(*) AS c, count(DISTINCT n) AS d, min(n) AS lo, max(n) AS hi FROM events GROUP BY source ORDER BY source' })
      .expect(200);
    expect(counts.body.data).toEqual([
      { source: 'query', c: 150, d: 150, lo: 0, hi: 149 },
      { source: 'rows', c: 150, d: 150, lo: 0, hi: 149 },
    ]);
    const ids = responses.slice(0, 150).map((response) => response.body.last_insert_id as number);
    expect(new Set(ids).size).toBe(150);
  });

  it('parallel load on more databases than may be open at once: every write lands in its own database', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `tenant${i}`);
    for (const name of names) await prepare(name);
    const requests = names.flatMap((name) =>
      Array.from({ length: 25 }, (_, n) => [
        gateway.http.post(`/api/db/${name}/query`).send({ sql: 'INSERT INTO events (source, n) VALUES (?, ?)', params: [name, n] }),
        gateway.http.post(`/api/db/${name}/query`).send({ sql: 'SELECT count(*) AS c FROM events' }),
      ]).flat(),
    );
    const responses = await Promise.all(requests);
    expect(responses.filter((response) => response.status !== 200).map((response) => response.body)).toEqual([]);
    for (const name of names) {
      const result = await gateway.http.post(`/api/db/${name}/query`).send({ sql: 'SELECT source, count(DISTINCT n) AS d FROM events GROUP BY source' }).expect(200);
      expect(result.body.data).toEqual([{ source: name, d: 25 }]);
    }
  });

  it('prune while queries run: each query either succeeds or gets 404, never a 5xx', async () => {
    await prepare('shaky');
    const queries = Array.from({ length: 60 }, (_, n) =>
      gateway.http.post('/api/db/shaky/query').send({ sql: 'INSERT INTO events (source, n) VALUES (?, ?)', params: ['x', n] }),
    );
    const prune = gateway.http.post('/admin/databases/prune/shaky');
    const responses = await Promise.all([...queries, prune]);
    expect(responses.every((response) => response.status === 200 || response.status === 404)).toBe(true);
    const acknowledged = responses.slice(0, 60).filter((response) => response.status === 200).length;
    await gateway.http.post('/admin/databases/spawn/shaky').expect(201);
    const count = await gateway.http.post('/api/db/shaky/query').send({ sql: 'SELECT count(*) AS c FROM events' }).expect(200);
    expect(count.body.data).toEqual([{ c: acknowledged }]);
  });
});
