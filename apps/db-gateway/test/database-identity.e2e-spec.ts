import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

async function runSql(file: string, sql: string): Promise<void> {
  const db = new sqlite3.Database(file);
  await new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

const ADMIN = 'identity-admin-key-0123456789';
const admin = { Authorization: `Bearer ${ADMIN}` };

/** A database is who it is, not what it is called: keys die with it, and names are unique regardless of case. */
describe('database identity', () => {
  let gateway: TestGateway;
  const spawn = (name: string) => gateway.http.post(`/admin/databases/spawn/${name}`).set(admin);
  const query = (db: string, sql: string, headers: Record<string, string> = admin) => gateway.http.post(`/api/db/${db}/query`).set(headers).send({ sql });
  const mint = async (db: string, scope: 'read' | 'read-write' = 'read-write'): Promise<{ id: string; key: string }> =>
    (await gateway.http.post(`/admin/databases/${db}/keys`).set(admin).send({ scope }).expect(201)).body;
  const withKey = (key: string) => ({ 'X-API-Key': key });

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN });
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe('keys die with the database they were minted for', () => {
    it('refuses a key on a new database of the same name after delete and purge', async () => {
      await spawn('kdb').expect(201);
      const { key } = await mint('kdb');
      await query('kdb', 'CREATE TABLE t (v)', withKey(key)).expect(200);
      await gateway.http.delete('/admin/databases/kdb').set(admin).expect(200);
      await gateway.http.delete('/admin/trash/kdb').set(admin).expect(200);
      await spawn('kdb').expect(201);
      expectError((await query('kdb', 'SELECT 1', withKey(key)).expect(403)).body, 403, 'INVALID_API_KEY');
      expectError((await gateway.http.get('/api/db/kdb/tables').set('Authorization', `Bearer ${key}`).expect(403)).body, 403, 'INVALID_API_KEY');
      expect((await gateway.http.get('/admin/databases/kdb/keys').set(admin).expect(200)).body).toEqual([]);
    });

    it('refuses it after a delete without purge and a new spawn, and keeps refusing it when the new one is deleted too', async () => {
      await spawn('kdb2').expect(201);
      const old = await mint('kdb2', 'read');
      await gateway.http.delete('/admin/databases/kdb2').set(admin).expect(200);
      await spawn('kdb2').expect(201);
      const fresh = await mint('kdb2', 'read');
      await query('kdb2', 'SELECT 1', withKey(old.key)).expect(403);
      await query('kdb2', 'SELECT 1', withKey(fresh.key)).expect(200);
      expect((await gateway.http.get('/admin/databases/kdb2/keys').set(admin).expect(200)).body.map((listed: { id: string }) => listed.id)).toEqual([fresh.id]);
      // The old key cannot be revoked through the new database either: it is not one of its keys.
      expectError((await gateway.http.delete(`/admin/databases/kdb2/keys/${old.id}`).set(admin).expect(404)).body, 404, 'API_KEY_NOT_FOUND');
      await gateway.http.delete('/admin/databases/kdb2').set(admin).expect(200);
      await query('kdb2', 'SELECT 1', withKey(fresh.key)).expect(403);
      await query('kdb2', 'SELECT 1', withKey(old.key)).expect(403);
    });

    it('gives an undeleted database its keys back, because it is the same database', async () => {
      await spawn('comeback').expect(201);
      const { key } = await mint('comeback');
      await gateway.http.delete('/admin/databases/comeback').set(admin).expect(200);
      await query('comeback', 'SELECT 1', withKey(key)).expect(403);
      await gateway.http.post('/admin/databases/comeback/undelete').set(admin).expect(201);
      await query('comeback', 'SELECT 1', withKey(key)).expect(200);
    });

    it('undeletes the newest copy with its own keys, not those of an earlier database of the name', async () => {
      await spawn('twice').expect(201);
      const first = await mint('twice');
      await gateway.http.delete('/admin/databases/twice').set(admin).expect(200);
      await spawn('twice').expect(201);
      const second = await mint('twice');
      await gateway.http.delete('/admin/databases/twice').set(admin).expect(200);
      // The newest copy (the second database) comes back: its key works, the first one's does not.
      await gateway.http.post('/admin/databases/twice/undelete').set(admin).expect(201);
      await query('twice', 'SELECT 1', withKey(second.key)).expect(200);
      await query('twice', 'SELECT 1', withKey(first.key)).expect(403);
    });

    it('keeps a key working through prune and respawn, a restore and a restart', async () => {
      await spawn('stays').expect(201);
      const { key } = await mint('stays');
      await query('stays', 'CREATE TABLE t (v)', withKey(key)).expect(200);
      await gateway.http.post('/admin/databases/prune/stays').set(admin).expect(200);
      await spawn('stays').expect(201);
      await query('stays', "INSERT INTO t VALUES ('after respawn')", withKey(key)).expect(200);
      const dump = (await gateway.http.get('/admin/databases/stays/export').set(admin).buffer(true).expect(200)).text;
      await gateway.http.post('/admin/databases/stays/restore').set(admin).set('Content-Type', 'application/sql').send(dump).expect(200);
      expect((await query('stays', 'SELECT v FROM t', withKey(key)).expect(200)).body.data).toEqual([{ v: 'after respawn' }]);
      await gateway.close();
      gateway = await startGateway(gateway.dataDir, { DBFORGE_ADMIN_KEY: ADMIN });
      await query('stays', 'SELECT v FROM t', withKey(key)).expect(200);
      // The key of the purged first `kdb` stays dead after a restart as well.
      expect((await gateway.http.get('/admin/databases/kdb/keys').set(admin).expect(200)).body).toEqual([]);
    });

    it('adopts keys and databases stored before they carried an identity, and only for the database of their name', async () => {
      await spawn('legacy').expect(201);
      const { key } = await mint('legacy');
      await gateway.close();
      // As a catalog and a key store written by an earlier version: no identities at all.
      await runSql(join(gateway.dataDir, '.dbforge', 'catalog.db'), 'UPDATE databases SET id = NULL');
      await runSql(join(gateway.dataDir, '.dbforge', 'keys.db'), 'UPDATE api_keys SET database_id = NULL');
      gateway = await startGateway(gateway.dataDir, { DBFORGE_ADMIN_KEY: ADMIN });
      await query('legacy', 'SELECT 1', withKey(key)).expect(200);
      await gateway.http.delete('/admin/databases/legacy').set(admin).expect(200);
      await gateway.http.delete('/admin/trash/legacy').set(admin).expect(200);
      await spawn('legacy').expect(201);
      await query('legacy', 'SELECT 1', withKey(key)).expect(403);
    });
  });

  describe('names are unique regardless of case, and each keeps its spelling', () => {
    it('refuses to spawn `shop` while `Shop` exists, running or pruned, and addresses each name exactly', async () => {
      await spawn('Shop').expect(201);
      for (const other of ['shop', 'SHOP', 'sHoP']) {
        const refused = expectError((await spawn(other).expect(409)).body, 409, 'DATABASE_EXISTS');
        expect(refused.detail).toBe("Database 'Shop' exists; names are unique regardless of case.");
      }
      // The same spelling is still idempotent, and the list shows the spelling given.
      expect((await spawn('Shop').expect(200)).body.message).toMatch(/already/i);
      expect((await gateway.http.get('/admin/databases').set(admin).expect(200)).body.map((entry: { name: string }) => entry.name)).toContain('Shop');
      expectError((await query('shop', 'SELECT 1').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
      await query('Shop', 'SELECT 1').expect(200);
      await gateway.http.post('/admin/databases/prune/Shop').set(admin).expect(200);
      expectError((await spawn('shop').expect(409)).body, 409, 'DATABASE_EXISTS');
    });

    it('refuses a spawn from an upload under another spelling and writes nothing', async () => {
      await spawn('Ledger').expect(201);
      await query('Ledger', 'CREATE TABLE entries (v)').expect(200);
      const dump = 'CREATE TABLE other (x);';
      expectError((await gateway.http.post('/admin/databases/spawn/LEDGER').set(admin).set('Content-Type', 'application/sql').send(dump).expect(409)).body, 409, 'DATABASE_EXISTS');
      expectError((await gateway.http.get('/admin/databases/LEDGER').set(admin).expect(404)).body, 404, 'DATABASE_NOT_FOUND');
      expect((await gateway.http.get('/api/db/Ledger/tables').set(admin).expect(200)).body.map((table: { name: string }) => table.name)).toEqual(['entries']);
    });

    it('refuses to undelete `Notes` while `notes` exists; after `notes` is deleted, `Notes` comes back as it was', async () => {
      await spawn('Notes').expect(201);
      await query('Notes', 'CREATE TABLE kept (v)').expect(200);
      await gateway.http.delete('/admin/databases/Notes').set(admin).expect(200);
      await spawn('notes').expect(201);
      const refused = expectError((await gateway.http.post('/admin/databases/Notes/undelete').set(admin).expect(409)).body, 409, 'DATABASE_EXISTS');
      expect(refused.detail).toBe("Database 'notes' exists; names are unique regardless of case.");
      await gateway.http.delete('/admin/databases/notes').set(admin).expect(200);
      await gateway.http.post('/admin/databases/Notes/undelete').set(admin).expect(201);
      expect((await gateway.http.get('/api/db/Notes/tables').set(admin).expect(200)).body.map((table: { name: string }) => table.name)).toEqual(['kept']);
    });
  });
});
