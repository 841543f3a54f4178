import { DbForgeClient, DbForgeError } from '@dbforge/client';
import { ErrorCode } from '@dbforge/contracts';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'client-cli-schema-admin-key-0';

describe('client and CLI: schema changes, details, safe delete', () => {
  let gateway: TestGateway;
  let url: string;
  let client: DbForgeClient;
  const env = () => ({ DBFORGE_URL: url, DBFORGE_KEY: ADMIN });

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

  it('client: addColumn, addIndex, deleteTable, describe, deleteDatabase, listTrash, undelete, purge', async () => {
    await client.spawn('typed2');
    await client.createTable('typed2', { table_name: 't', columns: [{ name: 'a', type: 'TEXT' }] });
    expect(await client.addColumn('typed2', 't', { name: 'b', type: 'INTEGER', default: 1 })).toEqual({ message: "Column 'b' added to table 't'.", name: 'b' });
    expect((await client.addIndex('typed2', 't', { columns: ['a', 'b'], unique: true })).name).toBe('idx_t_a_b');
    const details = await client.describe('typed2');
    expect(details.tables).toEqual([{ name: 't', type: 'table', row_count: 0 }]);
    expect(details.page_size).toBe(4096);
    expect((await client.deleteTable('typed2', 't')).message).toBe("Table 't' dropped successfully.");
    const deleted = await client.deleteDatabase('typed2');
    expect((await client.listTrash()).map((entry) => entry.trash_id)).toEqual([deleted.trash_id]);
    expect((await client.undelete('typed2')).trash_id).toBe(deleted.trash_id);
    await client.deleteDatabase('typed2');
    expect((await client.purge('typed2')).purged).toHaveLength(1);
    const failure = await client.undelete('typed2').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DbForgeError);
    expect(failure).toMatchObject({ status: 404, code: ErrorCode.NOT_IN_TRASH });
  });

  it('CLI: add-column, add-index, drop-table, delete, trash, undelete, purge', async () => {
    expect((await cli(['spawn', 'shell2'], env())).status).toBe(0);
    await cli(['create-table', 'shell2', 'pets', 'id:INTEGER:pk', 'name:TEXT'], env());
    expect(await cli(['add-column', 'shell2', 'pets', 'age:INTEGER:notnull', '--default', '0'], env())).toEqual({
      status: 0,
      stderr: '',
      stdout: "Column 'age' added to table 'pets'.\n",
    });
    expect((await cli(['add-index', 'shell2', 'pets', 'name', '--unique', '--name', 'pets_name'], env())).stdout).toBe(
      "Index 'pets_name' created on table 'pets'.\n",
    );
    const missing = await cli(['drop-table', 'shell2', 'ghost'], env());
    expect(missing).toMatchObject({ status: 1, stderr: 'Error 400 TABLE_NOT_FOUND: SQL Error: no such table: ghost\n' });
    expect((await cli(['drop-table', 'shell2', 'pets'], env())).stdout).toBe("Table 'pets' dropped successfully.\n");
    const deleted = await cli(['delete', 'shell2'], env());
    expect(deleted.stdout).toMatch(/^Database moved to the trash\. trash_id=shell2-\d{8}T\d{9}Z purge_after=/);
    const trash = await cli(['trash', '--json'], env());
    expect(JSON.parse(trash.stdout).map((entry: { db_name: string }) => entry.db_name)).toEqual(['shell2']);
    expect((await cli(['trash'], env())).stdout).toMatch(/^db_name\s+trash_id/);
    expect((await cli(['undelete', 'shell2'], env())).stdout).toMatch(/^Database restored from the trash\./);
    expect((await cli(['undelete', 'shell2'], env()))).toMatchObject({ status: 1, stderr: expect.stringContaining('409 DATABASE_EXISTS') });
    await cli(['delete', 'shell2'], env());
    expect((await cli(['purge', 'shell2'], env())).stdout).toBe('Purged 1 deleted copy of shell2.\n');
    expect((await cli(['trash'], env())).stdout).toBe('(the trash is empty)\n');
    expect((await cli(['add-index', 'shell2', 'pets'], env())).status).toBe(2);
  });
});
