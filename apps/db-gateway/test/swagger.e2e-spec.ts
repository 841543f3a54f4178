import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

interface ExampleObject {
  summary?: string;
  value: { detail?: string; error?: { code: string; message: string; status: number } } & Record<string, unknown>;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: unknown; examples?: Record<string, ExampleObject> }>;
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  responses: Record<string, ResponseObject>;
  requestBody?: unknown;
}

interface OpenApiDocument {
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { description?: string; example?: unknown }>; required?: string[] }> };
}

const PUBLIC_OPERATIONS = ['GET /', 'GET /health/live', 'GET /health/ready'];

describe('Swagger explorer', () => {
  let gateway: TestGateway;
  let document: OpenApiDocument;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    document = (await gateway.http.get('/docs-json').expect(200)).body;
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('serves the UI at /docs', async () => {
    const page = await gateway.http.get('/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
  });

  it('documents every endpoint under its tag', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} [${operation.tags?.join(',')}]`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET / [health]',
        'GET /health/live [health]',
        'GET /health/ready [health]',
        'GET /metrics [health]',
        'GET /admin/databases [admin]',
        'GET /admin/databases/{db_name} [admin]',
        'POST /admin/reconcile [admin]',
        'POST /admin/databases/{db_name}/keys [keys]',
        'GET /admin/databases/{db_name}/keys [keys]',
        'DELETE /admin/databases/{db_name}/keys/{key_id} [keys]',
        'POST /admin/databases/spawn/{db_name} [admin]',
        'POST /admin/databases/prune/{db_name} [admin]',
        'POST /admin/databases/{db_name}/restore [admin]',
        'POST /admin/databases/{db_name}/snapshots/{snapshot_id}/restore [admin]',
        'POST /api/db/{db_name}/query [data]',
        'POST /api/db/{db_name}/transaction [data]',
        'POST /api/db/{db_name}/tables [data]',
        'GET /api/db/{db_name}/tables [data]',
        'GET /api/db/{db_name}/tables/{table_name} [data]',
        'POST /api/db/{db_name}/tables/{table_name}/rows [data]',
        'GET /api/db/{db_name}/tables/{table_name}/rows [data]',
        'PATCH /api/db/{db_name}/tables/{table_name}/rows [data]',
        'DELETE /api/db/{db_name}/tables/{table_name}/rows [data]',
        'DELETE /api/db/{db_name}/tables/{table_name} [data]',
        'POST /api/db/{db_name}/tables/{table_name}/indexes [data]',
        'POST /api/db/{db_name}/tables/{table_name}/columns [data]',
        'DELETE /admin/databases/{db_name} [admin]',
        'POST /admin/databases/{db_name}/undelete [admin]',
        'GET /admin/trash [admin]',
        'DELETE /admin/trash/{db_name} [admin]',
        'GET /admin/databases/{db_name}/backup [admin]',
        'GET /admin/databases/{db_name}/export [admin]',
        'POST /admin/databases/{db_name}/snapshots [admin]',
        'GET /admin/databases/{db_name}/snapshots [admin]',
        'GET /admin/databases/{db_name}/snapshots/{snapshot_id} [admin]',
        'DELETE /admin/databases/{db_name}/snapshots/{snapshot_id} [admin]',
        'GET /admin/replicas [admin]',
        'POST /admin/databases/{db_name}/recover [admin]',
        'GET /libsql/{db_name}/v2 [libsql]',
        'POST /libsql/{db_name}/v2/pipeline [libsql]',
        'GET /v2 [libsql]',
        'POST /v2/pipeline [libsql]',
      ].sort(),
    );
  });

  it('describes DTO fields from the contracts, with comments and examples (CLI plugin)', () => {
    const query = document.components.schemas.QueryRequestDto;
    expect(query.required).toEqual(['sql']);
    expect(query.properties?.sql.description).toContain('One SQL statement');
    expect(query.properties?.sql.example).toBe('SELECT * FROM users WHERE age > ?');
    expect(document.components.schemas.WriteResultDto.properties?.message.example).toBe('Query executed successfully.');
    expect(document.components.schemas.SpawnDatabaseResponseDto.properties?.db_name.example).toBe('agent_memory_db');
    expect(document.components.schemas.ColumnDefinitionDto.properties).toEqual(
      expect.objectContaining({ name: expect.any(Object), type: expect.any(Object), primary_key: expect.any(Object), default: expect.any(Object) }),
    );
    expect(document.components.schemas.AddColumnRequestDto.properties).toEqual(
      expect.objectContaining({ name: expect.any(Object), type: expect.any(Object), not_null: expect.any(Object), default: expect.any(Object) }),
    );
    expect(document.components.schemas.AddIndexRequestDto.required).toEqual(['columns']);
    expect(document.components.schemas.DatabaseDetailsWithStorageDto.properties).toEqual(
      expect.objectContaining({ worker: expect.any(Object), file: expect.any(Object), tables: expect.any(Object), page_count: expect.any(Object), last_written_at: expect.any(Object) }),
    );
    expect(document.components.schemas.TrashEntryDto.properties?.purge_after.description).toContain('DBFORGE_TRASH_RETENTION_HOURS');
    expect(document.components.schemas.ErrorBodyDto.properties).toEqual(expect.objectContaining({ detail: expect.any(Object), error: expect.any(Object) }));
  });

  it('documents error responses with the error body', () => {
    const query = document.paths['/api/db/{db_name}/query'].post;
    expect(Object.keys(query.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
    expect(JSON.stringify(query.responses['404'])).toContain('#/components/schemas/ErrorBodyDto');
    expect(Object.keys(document.paths['/admin/databases/spawn/{db_name}'].post.responses)).toEqual(expect.arrayContaining(['200', '201', '400']));
    expect(Object.keys(document.paths['/admin/databases/{db_name}/undelete'].post.responses)).toEqual(expect.arrayContaining(['201', '404', '409']));
  });

  const operations = (): Array<[string, Operation]> =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]));
  const errorResponses = (): Array<[string, string, ResponseObject]> =>
    operations().flatMap(([name, operation]) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400 && !(name === 'GET /health/ready' && status === '503'))
        .map(([status, response]): [string, string, ResponseObject] => [name, status, response]),
    );

  it('gives each error response JSON examples with its own status and code', () => {
    const responses = errorResponses();
    expect(responses.length).toBeGreaterThan(100);
    for (const [name, status, response] of responses) {
      const json = response.content?.['application/json'];
      expect({ name, status, schema: json?.schema }).toEqual({ name, status, schema: { $ref: '#/components/schemas/ErrorBodyDto' } });
      const examples = Object.entries(json?.examples ?? {});
      expect({ name, status, count: examples.length > 0 }).toEqual({ name, status, count: true });
      for (const [key, example] of examples) {
        const { detail, error } = example.value;
        expect({ name, status, key, errorStatus: error?.status, code: error?.code, message: error?.message }).toEqual({
          name,
          status,
          key,
          errorStatus: Number(status),
          code: key,
          message: detail,
        });
      }
    }
    const query = document.paths['/api/db/{db_name}/query'].post.responses;
    expect(Object.keys(query['404'].content?.['application/json'].examples ?? {})).toEqual(['DATABASE_NOT_FOUND']);
    expect(Object.keys(query['400'].content?.['application/json'].examples ?? {})).toEqual(expect.arrayContaining(['SQL_ERROR', 'MULTIPLE_STATEMENTS', 'VALIDATION_FAILED']));
    expect(Object.keys(query['403'].content?.['application/json'].examples ?? {})).toEqual(expect.arrayContaining(['STATEMENT_NOT_ALLOWED', 'INSUFFICIENT_SCOPE']));
    // A route that produces a file still documents its errors as JSON, not as the file's type.
    expect(Object.keys(document.paths['/admin/databases/{db_name}/backup'].get.responses['404'].content ?? {})).toEqual(['application/json']);
  });

  it('documents the errors the routes really answer, with the code each one answers', async () => {
    await gateway.http.post('/admin/databases/spawn/documented').expect(201);
    await gateway.http.post('/api/db/documented/query').send({ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)' }).expect(200);
    await gateway.http.post('/api/db/documented/query').send({ sql: "INSERT INTO t (v) VALUES ('a')" }).expect(200);
    const tried: Array<[string, string, () => Promise<{ status: number; body: ExampleObject['value'] }>]> = [
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/missing/query').send({ sql: 'SELECT 1' })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: 'SELEC 1' })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: 'SELECT 1; SELECT 2' })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: 'BEGIN' })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: "ATTACH 'x.db' AS x" })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: 'PRAGMA journal_mode = delete' })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: "INSERT INTO t (v) VALUES ('a')" })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').send({ sql: 42 })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').set('Content-Type', 'application/json').send('{"sql":')],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/documented/query').set('Accept', 'text/csv').send({ sql: "INSERT INTO t (v) VALUES ('b')" })],
      ['POST', '/api/db/{db_name}/query', () => gateway.http.post('/api/db/bad..name/query').send({ sql: 'SELECT 1' })],
      ['POST', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.post('/api/db/documented/tables/t/rows').send({ rows: [] })],
      ['POST', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.post('/api/db/documented/tables/nope/rows').send({ rows: [{ v: 'x' }] })],
      ['GET', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.get('/api/db/documented/tables/t/rows?v__between=1')],
      ['GET', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.get('/api/db/documented/tables/t/rows?nope=1')],
      ['GET', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.get('/api/db/documented/tables/t/rows?_after=garbage')],
      ['DELETE', '/api/db/{db_name}/tables/{table_name}/rows', () => gateway.http.delete('/api/db/documented/tables/t/rows')],
      ['POST', '/admin/databases/{db_name}/undelete', () => gateway.http.post('/admin/databases/documented/undelete')],
      ['DELETE', '/admin/trash/{db_name}', () => gateway.http.delete('/admin/trash/documented')],
      ['GET', '/admin/databases/{db_name}/snapshots/{snapshot_id}', () => gateway.http.get('/admin/databases/documented/snapshots/20261128T121500123Z-manual')],
      ['DELETE', '/admin/databases/{db_name}/keys/{key_id}', () => gateway.http.delete('/admin/databases/documented/keys/k_nope')],
      ['POST', '/admin/databases/prune/{db_name}', () => gateway.http.post('/admin/databases/prune/missing')],
    ];
    const answered = [];
    for (const [method, path, send] of tried) {
      const { status, body } = await send();
      const code = body.error?.code ?? 'none';
      const documented = document.paths[path][method.toLowerCase()].responses[String(status)]?.content?.['application/json'].examples?.[code];
      answered.push({ route: `${method} ${path}`, status, code, documented: documented?.value.error?.status === status });
    }
    expect(answered).toEqual(answered.map((entry) => ({ ...entry, documented: true })));
    expect(new Set(answered.map((entry) => entry.code)).size).toBeGreaterThanOrEqual(15);
  });

  it('shows a read and a write separately as the answers of /query', () => {
    const examples = document.paths['/api/db/{db_name}/query'].post.responses['200'].content?.['application/json'].examples ?? {};
    expect(Object.keys(examples).sort()).toEqual(['read', 'write']);
    expect(examples.read.value).toEqual(expect.objectContaining({ data: expect.any(Array) }));
    expect(examples.read.value).not.toHaveProperty('last_insert_id');
    expect(examples.write.value).toEqual(expect.objectContaining({ message: 'Query executed successfully.', rows_affected: 1, last_insert_id: expect.any(Number) }));
    expect(examples.write.value).not.toHaveProperty('data');
  });

  it('keeps summaries short plain text; the detail goes to the description, where markdown renders', () => {
    for (const [name, operation] of operations()) {
      const summary = operation.summary ?? '';
      expect({ name, summary, plain: !/[`*_[\]]/.test(summary.replace(/[A-Z]+_[A-Z_]+/g, '')) && summary.length > 0 && summary.length <= 100 }).toEqual({ name, summary, plain: true });
    }
    expect(document.paths['/api/db/{db_name}/query'].post.summary).toBe('Run one SQL statement');
    expect(document.paths['/api/db/{db_name}/query'].post.description).toContain('`Accept: application/x-ndjson`');
  });

  it('shows a lock on every route that needs a key and none on the public ones', () => {
    expect(document.security).toEqual([{ bearer: [] }, { api_key: [] }]);
    for (const [name, operation] of operations()) {
      const effective = operation.security ?? document.security;
      expect({ name, locked: (effective?.length ?? 0) > 0 }).toEqual({ name, locked: !PUBLIC_OPERATIONS.includes(name) });
    }
  });

  it('documents backups and snapshots: file downloads, the export format and the snapshot shape', () => {
    const backup = document.paths['/admin/databases/{db_name}/backup'].get;
    expect(Object.keys((backup.responses['200'] as { content?: object }).content ?? {})).toEqual(['application/vnd.sqlite3']);
    const exportSql = document.paths['/admin/databases/{db_name}/export'].get as { parameters?: unknown[] };
    expect(exportSql.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'format', in: 'query', required: false })]));
    expect(JSON.stringify(document.paths['/admin/databases/{db_name}/snapshots'].post.responses['201'])).toContain('#/components/schemas/SnapshotDto');
    expect(document.components.schemas.SnapshotDto.properties?.id.example).toBe('20261128T121500123Z-manual');
    expect(Object.keys(document.paths['/admin/databases/{db_name}/snapshots/{snapshot_id}'].delete.responses)).toEqual(expect.arrayContaining(['204', '400', '401', '404']));
    const restore = document.paths['/admin/databases/{db_name}/restore'].post;
    expect(Object.keys((restore.requestBody as { content: Record<string, unknown> }).content)).toEqual(
      expect.arrayContaining(['application/vnd.sqlite3', 'application/sql']),
    );
    expect(Object.keys(restore.responses)).toEqual(expect.arrayContaining(['200', '400', '404', '413', '415']));
  });
});
