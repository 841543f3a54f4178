import { DbForgeClient, DbForgeError } from '@dbforge/client';
import { ErrorCode } from '@dbforge/contracts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, requireBuiltCli } from './support/cli-process';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'backup-cli-admin-key-0000000';

describe('backups through the client and the CLI', () => {
  let gateway: TestGateway;
  let url: string;
  let client: DbForgeClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuiltCli();
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
    url = (await gateway.app.getUrl()).replace('[::1]', '127.0.0.1');
    client = new DbForgeClient({ baseUrl: url, apiKey: ADMIN });
    env = { DBFORGE_URL: url, DBFORGE_KEY: ADMIN };
    await client.spawn('notes');
    await client.query('notes', "CREATE TABLE n (id INTEGER PRIMARY KEY, body TEXT)");
    await client.query('notes', "INSERT INTO n (body) VALUES ('it''s'), ('two')");
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('downloads backups and dumps and manages snapshots with the client', async () => {
    const backup = await client.backup('notes');
    expect(Buffer.from(backup.subarray(0, 16)).toString('latin1')).toBe('SQLite format 3\0');
    const dump = await client.exportSql('notes');
    expect(dump).toContain(`INSERT INTO "n"("id","body") VALUES(1,'it''s');`);
    const snapshot = await client.createSnapshot('notes');
    expect(snapshot.reason).toBe('manual');
    expect(await client.listSnapshots('notes')).toEqual([snapshot]);
    await client.deleteSnapshot('notes', snapshot.id);
    expect(await client.listSnapshots('notes')).toEqual([]);
    const missing = await client.backup('ghost').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(DbForgeError);
    expect(missing).toMatchObject({ status: 404, code: ErrorCode.DATABASE_NOT_FOUND });
  });

  it('backup, export, snapshot, snapshots and snapshot-delete from the CLI', async () => {
    const file = join(gateway.dataDir, 'cli-backup.db');
    const backup = await cli(['backup', 'notes', '-o', file], env);
    expect(backup).toMatchObject({ status: 0, stderr: '' });
    expect(backup.stdout).toContain(`written to ${file}`);
    expect((await readFile(file)).subarray(0, 15).toString()).toBe('SQLite format 3');

    const exported = await cli(['export', 'notes'], env);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(/^PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n[\s\S]*COMMIT;\n$/);
    const sqlFile = join(gateway.dataDir, 'cli-dump.sql');
    expect((await cli(['export', 'notes', '-o', sqlFile], env)).status).toBe(0);
    expect(await readFile(sqlFile, 'utf8')).toBe(exported.stdout);

    const taken = await cli(['--json', 'snapshot', 'notes'], env);
    expect(taken.status).toBe(0);
    const { id } = JSON.parse(taken.stdout) as { id: string };
    const listed = await cli(['snapshots', 'notes'], env);
    expect(listed.stdout).toContain(id);
    expect((await cli(['snapshot-delete', 'notes', id], env)).stdout).toContain(`Snapshot ${id} deleted`);
    expect((await cli(['snapshots', 'notes'], env)).stdout).toContain('(no snapshots)');

    const failed = await cli(['backup', 'ghost', '-o', join(gateway.dataDir, 'ghost.db')], env);
    expect(failed).toMatchObject({ status: 1, stderr: 'Error 404 DATABASE_NOT_FOUND: Database not found.\n' });
    expect(existsSync(join(gateway.dataDir, 'ghost.db'))).toBe(false);
  });
});
