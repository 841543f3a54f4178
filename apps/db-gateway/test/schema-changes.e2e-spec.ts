import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('schema changes: drop table, add index, add column', () => {
  let gateway: TestGateway;
  const query = (sql: string) => gateway.http.post('/api/db/shop/query').send({ sql }).expect(200);
  const count = async (table: string) => Number((await query(`SELECT count(*) AS n FROM ${table}`)).body.data[0].n);

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    await gateway.http.post('/admin/databases/spawn/shop').expect(201);
    await query('CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, city TEXT)');
    await query('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id))');
    await query("INSERT INTO customers (email, city) VALUES ('a@x', 'Oslo'), ('b@x', 'Oslo'), ('a@x', 'Rome')");
    await query('INSERT INTO orders (customer_id) VALUES (1)');
    await query('CREATE VIEW oslo AS SELECT * FROM customers WHERE city = \'Oslo\'');
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('adds an index with a default name, and one with a given name, visible in the schema', async () => {
    const created = await gateway.http.post('/api/db/shop/tables/customers/indexes').send({ columns: ['city', 'email'] }).expect(201);
    expect(created.body).toEqual({ message: "Index 'idx_customers_city_email' created on table 'customers'.", name: 'idx_customers_city_email' });
    await gateway.http.post('/api/db/shop/tables/customers/indexes').send({ columns: ['id'], unique: true, name: 'by_id' }).expect(201);
    const schema = await gateway.http.get('/api/db/shop/tables/customers').expect(200);
    expect(schema.body.indexes).toEqual(
      expect.arrayContaining([
        { name: 'idx_customers_city_email', unique: false, columns: ['city', 'email'] },
        { name: 'by_id', unique: true, columns: ['id'] },
      ]),
    );
  });

  it('refuses a unique index over repeated values, and changes nothing', async () => {
    const refused = await gateway.http.post('/api/db/shop/tables/customers/indexes').send({ columns: ['email'], unique: true }).expect(400);
    expect(expectError(refused.body, 400, 'CONSTRAINT_VIOLATION').detail).toMatch(/^SQL Error: UNIQUE constraint failed/);
    const schema = await gateway.http.get('/api/db/shop/tables/customers').expect(200);
    expect(schema.body.indexes.map((index: { name: string }) => index.name)).not.toContain('idx_customers_email');
    expect(await count('customers')).toBe(3);
  });

  it('answers bad index requests with specific 400s', async () => {
    const post = (table: string, body: unknown) => gateway.http.post(`/api/db/shop/tables/${table}/indexes`).send(body as object).expect(400);
    expectError((await post('customers', { columns: ['nope'] })).body, 400, 'UNKNOWN_COLUMN');
    expect(expectError((await post('ghost', { columns: ['a'] })).body, 400, 'TABLE_NOT_FOUND').detail).toBe('SQL Error: no such table: ghost');
    expectError((await post('customers', { columns: [] })).body, 400, 'VALIDATION_FAILED');
    expectError((await post('customers', { columns: ['bad name'] })).body, 400, 'INVALID_IDENTIFIER');
    expectError((await post('customers', { columns: ['city', 'city'] })).body, 400, 'INVALID_IDENTIFIER');
    expectError((await post('customers', { columns: ['city'], name: 'x"; DROP' })).body, 400, 'INVALID_IDENTIFIER');
    expectError((await post('customers', { columns: ['city'], extra: 1 })).body, 400, 'VALIDATION_FAILED');
    expect(expectError((await post('customers', { columns: ['city'], name: 'by_id' })).body, 400, 'SQL_ERROR').detail).toMatch(/already exists/);
    expectError((await post('oslo', { columns: ['city'] })).body, 400, 'SQL_ERROR');
  });

  it('adds a column with a default, filled in for existing rows', async () => {
    const added = await gateway.http.post('/api/db/shop/tables/customers/columns').send({ name: 'vip', type: 'INTEGER', not_null: true, default: 0 }).expect(201);
    expect(added.body).toEqual({ message: "Column 'vip' added to table 'customers'.", name: 'vip' });
    const rows = await gateway.http.get('/api/db/shop/tables/customers/rows?vip=0').expect(200);
    expect(rows.body.rows_affected).toBe(3);
  });

  it("answers SQLite's ADD COLUMN limits and bad definitions with clear 400s", async () => {
    const post = (body: unknown) => gateway.http.post('/api/db/shop/tables/customers/columns').send(body as object).expect(400);
    expect(expectError((await post({ name: 'code', type: 'TEXT', not_null: true })).body, 400, 'SQL_ERROR').detail).toMatch(/NOT NULL column/);
    expect(expectError((await post({ name: 'pk2', type: 'INTEGER', primary_key: true })).body, 400, 'SQL_ERROR').detail).toMatch(/PRIMARY KEY/);
    expect(expectError((await post({ name: 'email', type: 'TEXT' })).body, 400, 'SQL_ERROR').detail).toMatch(/duplicate column name/);
    expectError((await post({ name: 'x', type: 'TEXT UNIQUE' })).body, 400, 'INVALID_IDENTIFIER');
    expectError((await post({ name: 'x' })).body, 400, 'INVALID_IDENTIFIER');
    expectError((await gateway.http.post('/api/db/shop/tables/ghost/columns').send({ name: 'x', type: 'TEXT' }).expect(400)).body, 400, 'TABLE_NOT_FOUND');
    const schema = await gateway.http.get('/api/db/shop/tables/customers').expect(200);
    expect(schema.body.columns.map((column: { name: string }) => column.name)).toEqual(['id', 'email', 'city', 'vip']);
  });

  it('refuses to drop a parent whose rows are referenced, losing nothing; drops views and tables', async () => {
    const refused = await gateway.http.delete('/api/db/shop/tables/customers').expect(400);
    expectError(refused.body, 400, 'CONSTRAINT_VIOLATION');
    expect(await count('customers')).toBe(3);
    expect((await gateway.http.delete('/api/db/shop/tables/oslo').expect(200)).body).toEqual({ message: "View 'oslo' dropped successfully.", name: 'oslo' });
    expect((await gateway.http.delete('/api/db/shop/tables/orders').expect(200)).body).toEqual({ message: "Table 'orders' dropped successfully.", name: 'orders' });
    await gateway.http.delete('/api/db/shop/tables/customers').expect(200);
    const names = (await gateway.http.get('/api/db/shop/tables').expect(200)).body.map((table: { name: string }) => table.name);
    expect(names).toEqual([]);
    const missing = await gateway.http.delete('/api/db/shop/tables/customers').expect(400);
    expect(expectError(missing.body, 400, 'TABLE_NOT_FOUND').detail).toBe('SQL Error: no such table: customers');
    expectError((await gateway.http.delete('/api/db/nowhere/tables/t').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
    expectError((await gateway.http.delete('/api/db/shop/tables/sqlite_master').expect(400)).body, 400, 'INVALID_IDENTIFIER');
  });
});

describe('schema changes need a read-write key', () => {
  let gateway: TestGateway;
  const admin = 'admin-key-0123456789abcdef';

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: admin });
    await gateway.http.post('/admin/databases/spawn/k').set('X-API-Key', admin).expect(201);
    await gateway.http.post('/api/db/k/query').set('X-API-Key', admin).send({ sql: 'CREATE TABLE t (a TEXT)' }).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('refuses a read key and no key, accepts a read-write key', async () => {
    const mint = (scope: string) => gateway.http.post('/admin/databases/k/keys').set('X-API-Key', admin).send({ scope }).expect(201);
    const read = (await mint('read')).body.key as string;
    const write = (await mint('read-write')).body.key as string;
    expectError((await gateway.http.post('/api/db/k/tables/t/columns').send({ name: 'b', type: 'TEXT' }).expect(401)).body, 401, 'UNAUTHENTICATED');
    expectError((await gateway.http.delete('/api/db/k/tables/t').set('X-API-Key', read).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    expectError((await gateway.http.post('/api/db/k/tables/t/indexes').set('X-API-Key', read).send({ columns: ['a'] }).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await gateway.http.post('/api/db/k/tables/t/columns').set('X-API-Key', write).send({ name: 'b', type: 'TEXT' }).expect(201);
    await gateway.http.post('/api/db/k/tables/t/indexes').set('X-API-Key', write).send({ columns: ['a', 'b'] }).expect(201);
    await gateway.http.delete('/api/db/k/tables/t').set('X-API-Key', write).expect(200);
  });
});
