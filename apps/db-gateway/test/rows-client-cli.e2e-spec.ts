import { DbForgeClient, DbForgeError } from '@dbforge/client';
import { ErrorCode } from '@dbforge/contracts';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'rows-cli-admin-key-00000000';

describe('rows API through the typed client and the CLI', () => {
  let gateway: TestGateway;
  let env: Record<string, string>;
  let client: DbForgeClient;

  beforeAll(async () => {
    requireBuiltCli();
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
    const url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    env = { DBFORGE_URL: url, DBFORGE_KEY: ADMIN };
    client = new DbForgeClient({ baseUrl: url, apiKey: ADMIN });
    await client.spawn('shop');
    await client.createTable('shop', { table_name: 'items', columns: [{ name: 'id', type: 'INTEGER', primary_key: true }, { name: 'name', type: 'TEXT' }, { name: 'qty', type: 'INTEGER' }] });
    await client.insertRows('shop', 'items', [{ name: 'a', qty: 9 }, { name: 'b', qty: 10 }, { name: 'c', qty: 11 }, { name: 'd', qty: 0 }]);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('client: reads with operators, order, cursor and count; updates, deletes, upserts', async () => {
    const first = await client.readRows('shop', 'items', { where: { qty__gte: 9, name__in: ['a', 'b', 'c'] }, select: ['name'], order: ['qty.desc'], limit: 2, count: true });
    expect(first).toMatchObject({ data: [{ name: 'c' }, { name: 'b' }], more: true, matched: 3 });
    const second = await client.readRows('shop', 'items', { where: { qty__gte: 9, name__in: ['a', 'b', 'c'] }, select: ['name'], order: ['qty.desc'], limit: 2, after: first.next_cursor });
    expect(second).toEqual({ data: [{ name: 'a' }], rows_affected: 1, more: false });
    expect(await client.updateRows('shop', 'items', { qty: 0 }, { qty: 1 })).toEqual({ message: 'Rows updated successfully.', rows_affected: 1 });
    const refused = await client.deleteRows('shop', 'items', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DbForgeError);
    expect((refused as DbForgeError).code).toBe(ErrorCode.UNFILTERED_WRITE);
    expect((await client.upsertRows('shop', 'items', [{ id: 1, name: 'A' }], { columns: ['id'], action: 'update' })).rows_affected).toBe(1);
    expect((await client.readRows('shop', 'items', { where: { id: 1 } })).data).toEqual([{ id: 1, name: 'A', qty: 9 }]);
    expect(await client.deleteRows('shop', 'items', { name: 'd' })).toEqual({ message: 'Rows deleted successfully.', rows_affected: 1 });
  });

  it('CLI: rows with operators, update, delete with --all, insert --on-conflict', async () => {
    const rows = await cli(['rows', 'shop', 'items', 'qty__gt=9', '_order=qty.desc', '_limit=1', '_count=true'], env);
    expect(rows.status).toBe(0);
    expect(rows.stdout).toContain('(1 row of 2)');
    expect(rows.stdout).toMatch(/more: _after=[A-Za-z0-9_-]+/);
    const update = await cli(['update-rows', 'shop', 'items', '{"qty":5}', 'name=b'], env);
    expect(update).toMatchObject({ status: 0, stdout: 'Rows updated successfully. rows_affected=1\n' });
    const upsert = await cli(['insert', 'shop', 'items', '[{"id":2,"name":"B"},{"id":50,"name":"z"}]', '--on-conflict', 'id:ignore'], env);
    expect(upsert).toMatchObject({ status: 0, stdout: 'Rows inserted successfully. rows_affected=1\n' });
    const unfiltered = await cli(['delete-rows', 'shop', 'items'], env);
    expect(unfiltered.status).toBe(1);
    expect(unfiltered.stderr).toContain('_all=true');
    const all = await cli(['delete-rows', 'shop', 'items', '--all', '--json'], env);
    expect(all.status).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ message: 'Rows deleted successfully.', rows_affected: 4 });
  });
});
