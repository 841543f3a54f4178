import { DbForgeClient, DbForgeError, hasRows } from '@dbforge/client';
import { ErrorCode } from '@dbforge/contracts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'restore-cli-admin-key-000000';

describe('restore through the typed client and the CLI', () => {
  let gateway: TestGateway;
  let client: DbForgeClient;
  let env: Record<string, string>;
  const names = async (db: string) => {
    const result = await client.query(db, 'SELECT name FROM items ORDER BY rowid');
    return hasRows(result) ? result.data.map((row) => row.name) : [];
  };

  beforeAll(async () => {
    requireBuiltCli();
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
    const url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    client = new DbForgeClient({ baseUrl: url, apiKey: ADMIN });
    env = { DBFORGE_URL: url, DBFORGE_KEY: ADMIN };
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('client: spawnFromUpload, restore (dump and file), restoreSnapshot, and errors as DbForgeError', async () => {
    expect(await client.spawnFromUpload('typed', "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('a');")).toEqual({
      message: 'Database instance spawned successfully.',
      db_name: 'typed',
      container_id: null,
      created: true,
    });
    expect(await names('typed')).toEqual(['a']);
    const restored = await client.restore('typed', "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('b');", 'sql');
    expect(restored).toEqual({ message: 'Database restored successfully.', db_name: 'typed', previous_snapshot: expect.stringMatching(/-pre-restore$/), size_bytes: expect.any(Number) });
    expect(await names('typed')).toEqual(['b']);
    const asFile = readFileSync(join(gateway.dataDir, '.dbforge', 'snapshots', 'typed', `${restored.previous_snapshot}.db`));
    await client.restore('typed', asFile);
    expect(await names('typed')).toEqual(['a']);
    await client.restoreSnapshot('typed', restored.previous_snapshot as string);
    expect(await names('typed')).toEqual(['a']);

    const refused = await client.restore('typed', Buffer.from('definitely not sqlite')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DbForgeError);
    expect(refused).toMatchObject({ status: 400, code: ErrorCode.RESTORE_INVALID });
    await expect(client.spawnFromUpload('typed', 'SELECT 1;')).rejects.toMatchObject({ status: 409, code: ErrorCode.DATABASE_EXISTS });
    await expect(client.restoreSnapshot('typed', '20200101T000000000Z-manual')).rejects.toMatchObject({ status: 404, code: ErrorCode.SNAPSHOT_NOT_FOUND });
  });

  it('CLI: spawn --from, restore (kind from the extension or --sql), restore-snapshot, errors exit 1', async () => {
    const dump = join(gateway.dataDir, 'seed.sql');
    writeFileSync(dump, "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('from-cli');");
    const spawned = await cli(['spawn', 'clidb', '--from', dump], env);
    expect(spawned).toMatchObject({ status: 0, stdout: 'Database instance spawned successfully. (clidb)\n' });
    expect(await names('clidb')).toEqual(['from-cli']);

    const other = join(gateway.dataDir, 'other.dump');
    writeFileSync(other, "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('second');");
    const restored = await cli(['restore', 'clidb', other, '--sql', '--json'], env);
    expect(restored.status).toBe(0);
    const body = JSON.parse(restored.stdout) as { previous_snapshot: string };
    expect(await names('clidb')).toEqual(['second']);

    const back = await cli(['restore-snapshot', 'clidb', body.previous_snapshot], env);
    expect(back.status).toBe(0);
    expect(back.stdout).toMatch(/^Database restored successfully\. \(clidb, \d+ bytes; previous version: snapshot \d{8}T\d{9}Z-pre-restore\)\n$/);
    expect(await names('clidb')).toEqual(['from-cli']);

    const garbage = join(gateway.dataDir, 'garbage.db');
    writeFileSync(garbage, 'not a database at all');
    const failed = await cli(['restore', 'clidb', garbage], env);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^Error 400 RESTORE_INVALID: The upload is not a SQLite database/);
    expect(await names('clidb')).toEqual(['from-cli']);
    expect((await cli(['restore', 'clidb'], env)).status).toBe(2);
  });
});
