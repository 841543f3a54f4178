import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

describe('schema endpoints', () => {
  let gateway: TestGateway;
  const query = (sql: string) => gateway.http.post('/api/db/lib/query').send({ sql }).expect(200);

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir());
    await gateway.http.post('/admin/databases/spawn/lib').expect(201);
    await query('CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)');
    await query("CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id), title TEXT DEFAULT 'untitled', year INTEGER)");
    await query('CREATE INDEX idx_books_author_year ON books (author_id, year)');
    await query('CREATE VIEW recent AS SELECT title FROM books WHERE year > 2000');
    await query("INSERT INTO authors (name) VALUES ('Le Guin'), ('Pratchett')");
    await query("INSERT INTO books (author_id, title, year) VALUES (1, 'The Dispossessed', 1974), (2, 'Night Watch', 2002), (2, 'Thud!', 2005)");
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  it('lists tables and views with columns, keys, indexes and row counts', async () => {
    const response = await gateway.http.get('/api/db/lib/tables').expect(200);
    expect(response.body.map((table: { name: string }) => table.name)).toEqual(['authors', 'books', 'recent']);
    const [authors, books, recent] = response.body;
    expect(authors).toEqual({
      name: 'authors',
      type: 'table',
      columns: [
        { name: 'id', type: 'INTEGER', not_null: false, default: null, primary_key: 1 },
        { name: 'name', type: 'TEXT', not_null: true, default: null, primary_key: 0 },
      ],
      indexes: [{ name: 'sqlite_autoindex_authors_1', unique: true, columns: ['name'] }],
      row_count: 2,
    });
    expect(books.columns).toContainEqual({ name: 'title', type: 'TEXT', not_null: false, default: "'untitled'", primary_key: 0 });
    expect(books.indexes).toEqual([{ name: 'idx_books_author_year', unique: false, columns: ['author_id', 'year'] }]);
    expect(books.row_count).toBe(3);
    expect(recent).toMatchObject({ type: 'view', row_count: null, columns: [expect.objectContaining({ name: 'title' })] });
  });

  it('describes one table, and answers a missing one as the rows endpoints do', async () => {
    expect((await gateway.http.get('/api/db/lib/tables/books').expect(200)).body.row_count).toBe(3);
    const missing = await gateway.http.get('/api/db/lib/tables/ghost').expect(400);
    expect(expectError(missing.body, 400, 'TABLE_NOT_FOUND').detail).toBe('SQL Error: no such table: ghost');
    expectError((await gateway.http.get('/api/db/lib/tables/bad%20name').expect(400)).body, 400, 'INVALID_IDENTIFIER');
    expectError((await gateway.http.get('/api/db/nowhere/tables').expect(404)).body, 404, 'DATABASE_NOT_FOUND');
  });
});
