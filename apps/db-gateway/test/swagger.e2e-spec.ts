import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

interface OpenApiDocument {
  paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
  components: { schemas: Record<string, { properties?: Record<string, { description?: string; example?: unknown }>; required?: string[] }> };
}

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
