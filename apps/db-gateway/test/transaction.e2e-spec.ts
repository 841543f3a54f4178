import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'transaction-admin-key-000000';

describe('POST /api/db/{db}/transaction', () => {
  let gateway: TestGateway;
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const tx = (body: object, headers: Record<string, string> = admin) => gateway.http.post('/api/db/bank/transaction').set(headers).send(body);
  const balances = async () => (await gateway.http.post('/api/db/bank/query').set(admin).send({ sql: 'SELECT name, balance FROM accounts ORDER BY name' })).body.data;

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_MAX_STATEMENTS: '5' });
    await gateway.http.post('/admin/databases/spawn/bank').set(admin).expect(201);
    await tx({
      statements: [
        { sql: 'CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))' },
        { sql: "INSERT INTO accounts VALUES ('ann', 100), ('bob', 50)" },
      ],
    }).expect(200);
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('commits all statements together and answers each, a statement seeing the ones before it', async () => {
    const response = await tx({
      statements: [
        { sql: 'UPDATE accounts SET balance = balance - ? WHERE name = ?', params: [30, 'ann'] },
        { sql: 'UPDATE accounts SET balance = balance + :amount WHERE name = :to', params: { amount: 30, to: 'bob' } },
        { sql: 'CREATE TABLE audit (note TEXT)' },
        { sql: "INSERT INTO audit VALUES ('moved 30') RETURNING note" },
        { sql: 'SELECT name, balance FROM accounts ORDER BY name' },
      ],
    }).expect(200);
    expect(response.body.results).toEqual([
      { message: 'Query executed successfully.', rows_affected: 1, last_insert_id: expect.any(Number) },
      { message: 'Query executed successfully.', rows_affected: 1, last_insert_id: expect.any(Number) },
      { message: 'Query executed successfully.', rows_affected: 0, last_insert_id: expect.any(Number) },
      { data: [{ note: 'moved 30' }], rows_affected: 1, last_insert_id: 1 },
      { data: [{ name: 'ann', balance: 70 }, { name: 'bob', balance: 80 }], rows_affected: 2 },
    ]);
    expect(await balances()).toEqual([{ name: 'ann', balance: 70 }, { name: 'bob', balance: 80 }]);
  });

  it('applies none when one statement fails, and says which', async () => {
    const response = await tx({
      statements: [
        { sql: "UPDATE accounts SET balance = balance + 500 WHERE name = 'bob'" },
        { sql: "UPDATE accounts SET balance = balance - 500 WHERE name = 'ann'" },
      ],
    }).expect(400);
    expect(expectError(response.body, 400, 'CONSTRAINT_VIOLATION').detail).toBe('SQL Error: CHECK constraint failed: balance >= 0 (statement 2 of 2)');
    expect(await balances()).toEqual([{ name: 'ann', balance: 70 }, { name: 'bob', balance: 80 }]);
  });

  it('keeps concurrent transactions atomic and isolated from each other', async () => {
    const transfers = Array.from({ length: 20 }, (_, i) =>
      tx({
        statements: [
          { sql: 'UPDATE accounts SET balance = balance - 1 WHERE name = ?', params: [i % 2 ? 'ann' : 'bob'] },
          { sql: 'UPDATE accounts SET balance = balance + 1 WHERE name = ?', params: [i % 2 ? 'bob' : 'ann'] },
          ...(i % 5 === 0 ? [{ sql: 'SELECT nope FROM accounts' }] : []),
        ],
      }),
    );
    const statuses = (await Promise.all(transfers)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(16);
    expect(statuses.filter((status) => status === 400)).toHaveLength(4);
    const rows = await balances();
    expect(rows.reduce((sum: number, row: { balance: number }) => sum + row.balance, 0)).toBe(150);
  });

  it('reads one consistent snapshot with read_only, and refuses a write in it', async () => {
    const response = await tx({
      read_only: true,
      statements: [{ sql: 'SELECT sum(balance) AS total FROM accounts' }, { sql: 'SELECT count(*) AS n FROM accounts' }],
    }).expect(200);
    expect(response.body.results).toEqual([{ data: [{ total: 150 }], rows_affected: 1 }, { data: [{ n: 2 }], rows_affected: 1 }]);
    const write = await tx({ read_only: true, statements: [{ sql: 'SELECT 1' }, { sql: "DELETE FROM accounts WHERE name = 'ann'" }] }).expect(400);
    expect(expectError(write.body, 400, 'VALIDATION_FAILED').detail).toContain('(statement 2 of 2)');
    expect((await balances()).length).toBe(2);
  });

  it('lets a read key run read_only transactions only', async () => {
    const key = (await gateway.http.post('/admin/databases/bank/keys').set(admin).send({ scope: 'read' }).expect(201)).body.key as string;
    const reader = { 'X-API-Key': key };
    await tx({ read_only: true, statements: [{ sql: 'SELECT count(*) AS n FROM accounts' }] }, reader).expect(200);
    expectError((await tx({ statements: [{ sql: 'SELECT 1' }] }, reader).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
    await tx({ read_only: true, statements: [{ sql: 'UPDATE accounts SET balance = 0' }] }, reader).expect(400);
    expect((await balances())[0].balance).toBeGreaterThan(0);
  });

  it.each([
    ['no statements', { statements: [] }, 400, 'VALIDATION_FAILED'],
    ['too many statements', { statements: Array.from({ length: 6 }, () => ({ sql: 'SELECT 1' })) }, 400, 'TOO_MANY_STATEMENTS'],
    ['a statement without sql', { statements: [{ params: [] }] }, 400, 'VALIDATION_FAILED'],
    ['two statements in one entry', { statements: [{ sql: 'SELECT 1; DROP TABLE accounts' }] }, 400, 'MULTIPLE_STATEMENTS'],
    ['BEGIN inside', { statements: [{ sql: 'BEGIN' }, { sql: 'SELECT 1' }] }, 400, 'TRANSACTION_CONTROL_NOT_ALLOWED'],
    ['ATTACH inside', { statements: [{ sql: 'SELECT 1' }, { sql: "ATTACH 'x.db' AS x" }] }, 403, 'STATEMENT_NOT_ALLOWED'],
    ['VACUUM inside', { statements: [{ sql: 'VACUUM' }] }, 403, 'STATEMENT_NOT_ALLOWED'],
    ['read_only not a boolean', { statements: [{ sql: 'SELECT 1' }], read_only: 'yes' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s', async (_label, body, status, code) => {
    const before = await balances();
    expectError((await tx(body).expect(status)).body, status, code);
    expect(await balances()).toEqual(before);
  });

  it('binds named parameters whose names are JavaScript property names', async () => {
    const response = await tx({ statements: [{ sql: 'SELECT :constructor AS c', params: { constructor: 7 } }] }).expect(200);
    expect(response.body.results).toEqual([{ data: [{ c: 7 }], rows_affected: 1 }]);
  });
});
