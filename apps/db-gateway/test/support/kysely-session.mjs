// Kysely (ESM only, which jest's CommonJS runtime cannot load) driven in a plain Node process by
// libsql-orms.e2e-spec.ts: each step's outcome is printed as one JSON line, which the test checks.
// Usage: DBFORGE_LIBSQL_URL=... DBFORGE_LIBSQL_KEY=... node kysely-session.mjs
import { createClient } from '@libsql/client';
import { LibsqlDialect } from '@libsql/kysely-libsql';
import { Kysely } from 'kysely';

const url = process.env.DBFORGE_LIBSQL_URL;
const authToken = process.env.DBFORGE_LIBSQL_KEY;
const report = (step, value) => console.log(JSON.stringify({ step, value }));

// The dialect's own @libsql/client (a dependency of @libsql/kysely-libsql), from the URL.
const kysely = new Kysely({ dialect: new LibsqlDialect({ url, authToken }) });
await kysely.schema
  .createTable('pets')
  .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
  .addColumn('name', 'text', (column) => column.notNull())
  .addColumn('species', 'text', (column) => column.notNull())
  .execute();
await kysely.insertInto('pets').values([{ name: 'Rex', species: 'dog' }, { name: 'Tom', species: 'cat' }]).execute();
report('cats', await kysely.selectFrom('pets').select(['name']).where('species', '=', 'cat').execute());
await kysely.updateTable('pets').set({ species: 'wolf' }).where('name', '=', 'Rex').execute();
await kysely.deleteFrom('pets').where('name', '=', 'Tom').execute();
report('all', await kysely.selectFrom('pets').selectAll().execute());

await kysely.transaction().execute(async (tx) => {
  await tx.insertInto('pets').values({ name: 'Bo', species: 'dog' }).execute();
});
try {
  await kysely.transaction().execute(async (tx) => {
    await tx.insertInto('pets').values({ name: 'Nope', species: 'cat' }).execute();
    throw new Error('undo');
  });
  report('rolled back', 'no error');
} catch (error) {
  report('rolled back', error.message);
}
report('names', (await kysely.selectFrom('pets').select('name').orderBy('name').execute()).map((pet) => pet.name));
await kysely.destroy();

// Today's @libsql/client handed to the dialect.
const client = createClient({ url, authToken });
const current = new Kysely({ dialect: new LibsqlDialect({ client }) });
await current.insertInto('pets').values({ name: 'Zed', species: 'owl' }).execute();
report('current client', await current.selectFrom('pets').select('species').where('name', '=', 'Zed').executeTakeFirst());
await current.destroy();
