import { DbForgeClient, DbForgeError, hasRows } from '@dbforge/client';
import { ErrorCode } from '@dbforge/contracts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'client-cli-admin-key-000000';

describe('typed client and CLI against the real gateway', () => {
  let gateway: TestGateway;
  let url: string;
  let client: DbForgeClient;

  beforeAll(async () => {
    requireBuiltCli();
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
    url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    client = new DbForgeClient({ baseUrl: url, apiKey: ADMIN });
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe('DbForgeClient', () => {
    it('covers the API with contract types', async () => {
      expect(await client.spawn('typed')).toMatchObject({ created: true, db_name: 'typed' });
      expect(await client.spawn('typed')).toMatchObject({ created: false, message: 'Database instance already exists and is running.' });
      await client.createTable('typed', { table_name: 'notes', columns: [{ name: 'id', type: 'INTEGER', primary_key: true }, { name: 'body', type: 'TEXT' }] });
      expect(await client.insertRows('typed', 'notes', [{ body: 'one' }, { body: 'two' }])).toEqual({ message: 'Rows inserted successfully.', rows_affected: 2 });
      const result = await client.query('typed', 'SELECT body FROM notes WHERE id = :id', { id: 2 });
      expect(hasRows(result) && result.data).toEqual([{ body: 'two' }]);
      expect((await client.rows('typed', 'notes', { body: 'one' })).data).toEqual([{ id: 1, body: 'one' }]);
      expect((await client.list()).map((entry) => entry.name)).toContain('typed');
      expect((await client.describe('typed')).status).toBe('active');
      const key = await client.mintKey('typed', { scope: 'read' });
      expect((await client.listKeys('typed')).map((entry) => entry.id)).toEqual([key.id]);
      const reader = new DbForgeClient({ baseUrl: url, apiKey: key.key });
      expect((await reader.rows('typed', 'notes')).rows_affected).toBe(2);
      await client.revokeKey('typed', key.id);
      expect((await client.ready()).status).toBe('ok');
      expect(await client.prune('typed')).toEqual({ message: 'Database instance pruned successfully.', db_name: 'typed' });
    });

    it('throws DbForgeError with the status, code and server message', async () => {
      await expect(client.query('nowhere', 'SELECT 1')).rejects.toEqual(new DbForgeError(404, ErrorCode.DATABASE_NOT_FOUND, 'Database not found.'));
      await expect(new DbForgeClient({ baseUrl: url }).list()).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      await expect(new DbForgeClient({ baseUrl: 'http://127.0.0.1:9' }).list()).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    });
  });

  describe('dbforge CLI', () => {
    const env = () => ({ DBFORGE_URL: url, DBFORGE_KEY: ADMIN });

    it('spawns, creates a table, inserts, queries and reads rows, printing tables for people', async () => {
      expect((await cli(['spawn', 'shell'], env())).stdout).toBe('Database instance spawned successfully. (shell)\n');
      expect((await cli(['create-table', 'shell', 'pets', 'id:INTEGER:pk', 'name:TEXT:notnull', 'age:INTEGER'], env())).stdout).toBe(
        "Table 'pets' created successfully.\n",
      );
      expect((await cli(['insert', 'shell', 'pets', '[{"name":"Rex","age":3},{"name":"Tom","age":5}]'], env())).stdout).toContain('rows_affected=2');
      const query = await cli(['query', 'shell', 'SELECT name, age FROM pets ORDER BY age'], env());
      expect(query).toEqual({ status: 0, stderr: '', stdout: 'name  age\n----  ---\nRex   3\nTom   5\n(2 rows)\n' });
      const rows = await cli(['rows', 'shell', 'pets', 'name=Tom'], env());
      expect(rows.stdout).toContain('Tom');
      const list = await cli(['list'], env());
      expect(list.stdout).toMatch(/^name\s+container_id\s+status\s+runtime\s+created_at\n/);
    });

    it('reads SQL from standard input or a file, takes --params, and prints JSON with --json', async () => {
      const piped = await cli(['--json', 'query', 'shell', '--params', '[4]'], env(), 'SELECT name FROM pets WHERE age > ?');
      expect(JSON.parse(piped.stdout)).toEqual({ data: [{ name: 'Tom' }], rows_affected: 1 });
      const file = join(gateway.dataDir, 'q.sql');
      writeFileSync(file, "INSERT INTO pets (name, age) VALUES ('Kit', 1)");
      const fromFile = await cli(['query', 'shell', '--file', file, '--json'], env());
      expect(JSON.parse(fromFile.stdout)).toMatchObject({ message: 'Query executed successfully.', rows_affected: 1 });
    });

    it("accepts v1 client.sh's inputs: a JSON body file for create-table, an a=1&b=2 filter, ping", async () => {
      const body = join(gateway.dataDir, 'columns.json');
      writeFileSync(body, JSON.stringify({ table_name: 'ignored', columns: [{ name: 'k', type: 'TEXT', primary_key: true }, { name: 'n', type: 'INTEGER' }] }));
      expect((await cli(['create-table', 'shell', 'kv', '--file', body], env())).stdout).toBe("Table 'kv' created successfully.\n");
      await cli(['insert', 'shell', 'kv', '[{"k":"a","n":1},{"k":"b","n":1},{"k":"c","n":2}]'], env());
      const filtered = await cli(['rows', 'shell', 'kv', 'n=1&k=b', '--json'], env());
      expect(JSON.parse(filtered.stdout).data).toEqual([{ k: 'b', n: 1 }]);
      expect((await cli(['ping'], env())).stdout).toBe('Praetorian DB-Forge is online.\n');
    });

    it('runs a transaction from JSON, all or nothing, and through the client', async () => {
      const ok = await cli(['transaction', 'shell', '[{"sql":"INSERT INTO pets (name, age) VALUES (?, ?)","params":["Ace",9]},{"sql":"SELECT count(*) AS n FROM pets"}]', '--json'], env());
      expect(JSON.parse(ok.stdout).results[1]).toEqual({ data: [{ n: expect.any(Number) }], rows_affected: 1 });
      const failed = await cli(['transaction', 'shell'], env(), '[{"sql":"DELETE FROM pets"},{"sql":"SELEC"}]');
      expect(failed).toMatchObject({ status: 1, stderr: expect.stringContaining('(statement 2 of 2)') });
      const snapshot = await client.transaction('shell', [{ sql: 'SELECT count(*) AS n FROM pets' }], { readOnly: true });
      expect(snapshot.results[0]).toMatchObject({ data: [{ n: expect.any(Number) }] });
      expect(hasRows(snapshot.results[0]) && snapshot.results[0].data[0].n).toBeGreaterThan(0);
    });

    it('shows the schema', async () => {
      const one = JSON.parse((await cli(['tables', 'shell', 'pets', '--json'], env())).stdout);
      expect(one).toMatchObject({ name: 'pets', type: 'table', columns: expect.arrayContaining([expect.objectContaining({ name: 'name', not_null: true })]) });
      expect((await cli(['tables', 'shell'], env())).stdout).toMatch(/^pets \(table, \d+ rows\)\nname +type +not_null +default +primary_key$/m);
      expect((await client.tables('shell')).map((table) => table.name)).toContain('kv');
    });

    it('takes the URL and key from flags too', async () => {
      const result = await cli(['--url', url, '--key', ADMIN, 'list', '--json'], {});
      expect(JSON.parse(result.stdout).map((entry: { name: string }) => entry.name)).toContain('shell');
    });

    it("exits non-zero with the server's message on errors", async () => {
      expect(await cli(['query', 'shell', 'SELEC 1'], env())).toEqual({ status: 1, stdout: '', stderr: 'Error 400 SQL_ERROR: SQL Error: near "SELEC": syntax error\n' });
      expect(await cli(['query', 'ghost', 'SELECT 1'], env())).toMatchObject({ status: 1, stderr: 'Error 404 DATABASE_NOT_FOUND: Database not found.\n' });
      expect(await cli(['list'], { DBFORGE_URL: url })).toMatchObject({ status: 1, stderr: expect.stringContaining('Error 401 UNAUTHENTICATED') });
      expect((await cli(['frobnicate'], env())).status).toBe(2);
      expect((await cli(['query', 'shell'], env())).status).toBe(2);
    });

    it('mints, lists and revokes keys, and reports health', async () => {
      const minted = await cli(['keys', 'mint', 'shell', '--scope', 'read', '--json'], env());
      const key = JSON.parse(minted.stdout) as { id: string; key: string };
      expect((await cli(['query', 'shell', 'SELECT count(*) AS n FROM pets', '--json'], { DBFORGE_URL: url, DBFORGE_KEY: key.key })).status).toBe(0);
      expect((await cli(['keys', 'list', 'shell'], env())).stdout).toContain(key.id);
      expect((await cli(['keys', 'revoke', 'shell', key.id], env())).stdout).toContain('API key revoked.');
      expect((await cli(['health'], env())).stdout).toMatch(/^up {3}data_dir: /m);
    });
  });
});
