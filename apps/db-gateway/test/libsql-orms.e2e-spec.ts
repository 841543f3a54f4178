import { Client, createClient } from '@libsql/client';
import { eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TestGateway, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN_KEY = 'libsql-orm-admin-key-0123456789ab';

const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  age: integer('age').notNull(),
});
const posts = sqliteTable('posts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: integer('user_id').notNull(),
  title: text('title').notNull(),
});

const run = promisify(execFile);

/** Drizzle and Kysely, unmodified, over @libsql/client against the running gateway. */
describe('ORMs over the libSQL protocol', () => {
  let gateway: TestGateway;
  let url: string;
  let key: string;
  const clients: Client[] = [];
  const libsql = () => {
    const made = createClient({ url, authToken: key });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN_KEY });
    const { port } = gateway.app.getHttpServer().address() as { port: number };
    await gateway.http.post('/admin/databases/spawn/app').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(201);
    key = (await gateway.http.post('/admin/databases/app/keys').set('Authorization', `Bearer ${ADMIN_KEY}`).send({ scope: 'read-write', name: 'orm' }).expect(201)).body.key;
    url = `http://127.0.0.1:${port}/libsql/app/`;
  });

  afterAll(async () => {
    for (const made of clients) made.close();
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe('Drizzle (drizzle-orm/libsql)', () => {
    const db = () => drizzle(libsql());

    beforeAll(async () => {
      await db().run(sql`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, age INTEGER NOT NULL)`);
      await db().run(sql`CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, title TEXT NOT NULL)`);
    });

    it('inserts, selects with where, updates with returning', async () => {
      const orm = db();
      const inserted = await orm.insert(users).values([{ name: 'Ada', age: 36 }, { name: 'Grace', age: 45 }, { name: 'Linus', age: 21 }]).returning();
      expect(inserted.map((user) => user.name)).toEqual(['Ada', 'Grace', 'Linus']);
      const older = await orm.select().from(users).where(gt(users.age, 30)).orderBy(users.name);
      expect(older).toEqual([expect.objectContaining({ name: 'Ada', age: 36 }), expect.objectContaining({ name: 'Grace', age: 45 })]);
      const updated = await orm.update(users).set({ age: 37 }).where(eq(users.name, 'Ada')).returning({ id: users.id, age: users.age });
      expect(updated).toEqual([{ id: inserted[0].id, age: 37 }]);
    });

    it('joins two tables whose columns share names', async () => {
      const orm = db();
      const [ada] = await orm.select().from(users).where(eq(users.name, 'Ada'));
      await orm.insert(posts).values({ userId: ada.id, title: 'Notes on the engine' });
      const joined = await orm.select().from(posts).innerJoin(users, eq(posts.userId, users.id));
      expect(joined).toEqual([{ posts: expect.objectContaining({ title: 'Notes on the engine', userId: ada.id }), users: expect.objectContaining({ id: ada.id, name: 'Ada' }) }]);
      expect(joined[0].posts.id).not.toBe(undefined);
    });

    it('rolls a transaction back when its callback throws, and commits one that returns', async () => {
      const orm = db();
      await expect(
        orm.transaction(async (tx) => {
          await tx.insert(users).values({ name: 'Ghost', age: 99 });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await orm.select().from(users).where(eq(users.name, 'Ghost'))).toEqual([]);
      await orm.transaction(async (tx) => {
        await tx.insert(users).values({ name: 'Kept', age: 50 });
        await tx.update(users).set({ age: 51 }).where(eq(users.name, 'Kept'));
      });
      expect(await orm.select({ age: users.age }).from(users).where(eq(users.name, 'Kept'))).toEqual([{ age: 51 }]);
    });
  });

  describe('Kysely (@libsql/kysely-libsql)', () => {
    // Kysely is ESM only: it runs in a Node process of its own against the same gateway.
    it('creates a table, inserts, selects, updates, deletes, commits and rolls back transactions', async () => {
      const { stdout } = await run(process.execPath, [join(__dirname, 'support/kysely-session.mjs')], { env: { ...process.env, DBFORGE_LIBSQL_URL: url, DBFORGE_LIBSQL_KEY: key }, timeout: 60_000 });
      const steps = Object.fromEntries(stdout.trim().split('\n').map((line) => JSON.parse(line)).map(({ step, value }) => [step, value]));
      expect(steps).toEqual({
        cats: [{ name: 'Tom' }],
        all: [{ id: expect.any(Number), name: 'Rex', species: 'wolf' }],
        'rolled back': 'undo',
        names: ['Bo', 'Rex'],
        'current client': { species: 'owl' },
      });
    });
  });
});
