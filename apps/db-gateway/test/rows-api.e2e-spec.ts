import { TestGateway, expectError, makeDataDir, removeDataDir, startGateway } from './support/test-gateway';

const ADMIN = 'rows-admin-key-0123456789';

describe('rows API: operators, order, paging, cursor, count, update, delete, upsert', () => {
  let gateway: TestGateway;
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const get = (path: string, status = 200) => gateway.http.get(`/api/db/shop${path}`).set(admin).expect(status);
  const sql = (statement: string) => gateway.http.post('/api/db/shop/query').set(admin).send({ sql: statement }).expect(200);
  const names = (body: { data: { name: string }[] }) => body.data.map((row) => row.name);

  beforeAll(async () => {
    gateway = await startGateway(await makeDataDir(), { DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_MAX_RESULT_ROWS: '100' });
    await gateway.http.post('/admin/databases/spawn/shop').set(admin).expect(201);
    await sql('CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, score REAL, nick TEXT, "odd__name" TEXT)');
    await sql(
      "INSERT INTO people (name, age, score, nick, odd__name) VALUES ('Ada', 36, 9.5, 'countess', 'x'), ('Alan', 41, 7, NULL, 'y'), " +
        "('Grace', 9, 8, 'amazing', 'x'), ('Linus', 10, NULL, NULL, 'z'), ('Barbara', 36, 6.5, 'liskov', 'y')",
    );
  });

  afterAll(async () => {
    await gateway.close();
    await removeDataDir(gateway.dataDir);
  });

  describe('reads', () => {
    it('keeps v1 equality filters and the v1 body exactly: numbers matched by affinity, no new fields on a plain read', async () => {
      expect((await get('/tables/people/rows?name=Ada&age=36')).body).toEqual({
        data: [{ id: 1, name: 'Ada', age: 36, score: 9.5, nick: 'countess', odd__name: 'x' }],
        rows_affected: 1,
      });
      expect((await get('/tables/people/rows?name=Ada&_limit=5')).body).toMatchObject({ rows_affected: 1, more: false });
      expect(names((await get('/tables/people/rows?age=36')).body)).toEqual(['Ada', 'Barbara']);
    });

    it('has every operator, and compares numbers numerically (10 > 9)', async () => {
      expect(names((await get('/tables/people/rows?age__gt=9')).body)).toEqual(['Ada', 'Alan', 'Linus', 'Barbara']);
      expect(names((await get('/tables/people/rows?age__gte=36')).body)).toEqual(['Ada', 'Alan', 'Barbara']);
      expect(names((await get('/tables/people/rows?age__lt=10')).body)).toEqual(['Grace']);
      expect(names((await get('/tables/people/rows?age__lte=10')).body)).toEqual(['Grace', 'Linus']);
      expect(names((await get('/tables/people/rows?age__ne=36')).body)).toEqual(['Alan', 'Grace', 'Linus']);
      expect(names((await get('/tables/people/rows?name__like=A%25')).body)).toEqual(['Ada', 'Alan']);
      expect(names((await get('/tables/people/rows?age__in=9,41')).body)).toEqual(['Alan', 'Grace']);
      expect(names((await get('/tables/people/rows?nick__isnull=true')).body)).toEqual(['Alan', 'Linus']);
      expect(names((await get('/tables/people/rows?nick__isnull=false')).body)).toEqual(['Ada', 'Grace', 'Barbara']);
      expect(names((await get('/tables/people/rows?score__gt=7.5&age__lt=40')).body)).toEqual(['Ada', 'Grace']);
    });

    it('treats a real column named with __ as an equality filter', async () => {
      expect(names((await get('/tables/people/rows?odd__name=x')).body)).toEqual(['Ada', 'Grace']);
      expect(names((await get('/tables/people/rows?odd__name__ne=x')).body)).toEqual(['Alan', 'Linus', 'Barbara']);
    });

    it('selects columns and orders by several keys, NULLs placed on request', async () => {
      expect((await get('/tables/people/rows?_select=name,age&age__gte=36')).body.data).toEqual([
        { name: 'Ada', age: 36 },
        { name: 'Alan', age: 41 },
        { name: 'Barbara', age: 36 },
      ]);
      expect(names((await get('/tables/people/rows?_order=age.desc,name')).body)).toEqual(['Alan', 'Ada', 'Barbara', 'Linus', 'Grace']);
      expect(names((await get('/tables/people/rows?_order=age.desc,name.desc')).body)).toEqual(['Alan', 'Barbara', 'Ada', 'Linus', 'Grace']);
      expect(names((await get('/tables/people/rows?_order=score')).body)).toEqual(['Linus', 'Barbara', 'Alan', 'Grace', 'Ada']);
      expect(names((await get('/tables/people/rows?_order=score.nullslast')).body)).toEqual(['Barbara', 'Alan', 'Grace', 'Ada', 'Linus']);
    });

    it('pages with _limit and _offset, says whether more remain, counts with _count', async () => {
      const first = (await get('/tables/people/rows?_order=name&_limit=2&_count=true')).body;
      expect(first).toMatchObject({ rows_affected: 2, more: true, matched: 5, next_cursor: expect.any(String) });
      expect(names(first)).toEqual(['Ada', 'Alan']);
      expect(first.truncated).toBeUndefined();
      const last = (await get('/tables/people/rows?_order=name&_limit=2&_offset=4')).body;
      expect(last).toEqual({ data: [expect.objectContaining({ name: 'Linus' })], rows_affected: 1, more: false });
      expect((await get('/tables/people/rows?_limit=0&_count=true&age=36')).body).toEqual({ data: [], rows_affected: 0, more: true, matched: 2 });
    });

    it('pages through cursors on a NULL-holding, descending key', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = (await get(`/tables/people/rows?_order=score.desc&_limit=2${cursor ? `&_after=${cursor}` : ''}`)).body;
        seen.push(...names(page));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(['Ada', 'Grace', 'Alan', 'Barbara', 'Linus']);
    });
  });

  describe('keyset paging', () => {
    beforeAll(async () => {
      await sql('CREATE TABLE events (id INTEGER PRIMARY KEY, grp INTEGER, label TEXT)');
      await sql('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 250) INSERT INTO events (id, grp, label) SELECT x * 10, x % 7, \'e\' || x FROM n');
      await sql('CREATE TABLE tags (a TEXT, b INTEGER, note TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID');
      await sql("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 30) INSERT INTO tags SELECT char(97 + x % 3), x, 'n' FROM n");
    });

    it('returns each original row exactly once, in order, while rows are inserted before and after the cursor', async () => {
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = (await get(`/tables/events/rows?_order=grp&_limit=100${cursor ? `&_after=${cursor}` : ''}`)).body;
        pages++;
        seen.push(...page.data.filter((row: { label: string }) => row.label.startsWith('e')).map((row: { id: number }) => row.id));
        expect(page.more).toBe(page.next_cursor !== undefined);
        cursor = page.next_cursor;
        // New rows land before the cursor (grp -1) and inside pages already read (id between old ones): none may shift a page.
        await sql(`INSERT INTO events (id, grp, label) VALUES (${5 + pages}, -1, 'new'), (${11 + pages * 10}, 0, 'new')`);
      } while (cursor);
      expect(pages).toBe(3);
      const expected = Array.from({ length: 250 }, (_, i) => (i + 1) * 10).sort((x, y) => ((x / 10) % 7) - ((y / 10) % 7) || x - y);
      expect(seen).toEqual(expected);
    });

    it('is not shifted by deletes before the cursor, unlike offset paging', async () => {
      const first = (await get('/tables/events/rows?label__like=e%25&_limit=100')).body;
      await gateway.http.delete('/api/db/shop/tables/events/rows?id__lte=100').set(admin).expect(200);
      const second = (await get(`/tables/events/rows?label__like=e%25&_limit=100&_after=${first.next_cursor}`)).body;
      expect(second.data[0].id).toBe(first.data[99].id + 10);
    });

    it('uses the primary key of a WITHOUT ROWID table as the tiebreaker', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = (await get(`/tables/tags/rows?_limit=7${cursor ? `&_after=${cursor}` : ''}`)).body;
        seen.push(...page.data.map((row: { a: string; b: number }) => `${row.a}${row.b}`));
        cursor = page.next_cursor;
      } while (cursor);
      const all = (await get('/tables/tags/rows')).body.data.map((row: { a: string; b: number }) => `${row.a}${row.b}`);
      expect(all).toHaveLength(30);
      expect(seen).toEqual(all);
    });

    it('pages a view with _offset only: no cursor, _after refused', async () => {
      await sql('CREATE VIEW adults AS SELECT name, age FROM people WHERE age >= 18');
      const page = (await get('/tables/adults/rows?_order=name&_limit=2')).body;
      expect(page).toEqual({ data: [{ name: 'Ada', age: 36 }, { name: 'Alan', age: 41 }], rows_affected: 2, more: true });
      expect(names((await get('/tables/adults/rows?_order=name&_limit=2&_offset=2')).body)).toEqual(['Barbara']);
      expectError((await get('/tables/adults/rows?_after=abc', 400)).body, 400, 'INVALID_CURSOR');
    });

    it('pages a table with a column named rowid by the next rowid alias', async () => {
      await sql('CREATE TABLE shadow (rowid TEXT, v INTEGER)');
      await sql("INSERT INTO shadow VALUES ('z', 1), ('y', 2), ('x', 3)");
      const first = (await get('/tables/shadow/rows?_limit=2')).body;
      expect(first.data).toEqual([{ rowid: 'z', v: 1 }, { rowid: 'y', v: 2 }]);
      expect((await get(`/tables/shadow/rows?_limit=2&_after=${first.next_cursor}`)).body).toEqual({ data: [{ rowid: 'x', v: 3 }], rows_affected: 1, more: false });
    });

    it('without _limit, caps at DBFORGE_MAX_RESULT_ROWS as v1 (truncated + message) and gives a cursor', async () => {
      const page = (await get('/tables/events/rows')).body;
      expect(page).toMatchObject({ rows_affected: 100, truncated: true, more: true, message: expect.stringContaining('LIMIT') });
      const next = (await get(`/tables/events/rows?_after=${page.next_cursor}&_limit=1`)).body;
      expect(next.data[0].id).toBeGreaterThan(page.data[99].id);
    });
  });

  describe('bad input: a clear 400', () => {
    it.each([
      ['/tables/people/rows?nope=1', 'UNKNOWN_COLUMN', "Unknown column 'nope' in table 'people'."],
      ['/tables/people/rows?nope__gt=1', 'UNKNOWN_COLUMN', "Unknown column 'nope__gt' in table 'people'."],
      ['/tables/people/rows?_select=name,nope', 'UNKNOWN_COLUMN', "Unknown column 'nope' in table 'people'."],
      ['/tables/people/rows?_order=nope.desc', 'UNKNOWN_COLUMN', "Unknown column 'nope' in table 'people'."],
      ['/tables/people/rows?age__between=1', 'UNKNOWN_OPERATOR', expect.stringContaining("Unknown operator '__between'")],
      ['/tables/people/rows?_after=garbage!', 'INVALID_CURSOR', expect.stringContaining('_after is not a valid cursor')],
      ['/tables/people/rows?_after=eyJ2IjoxfQ', 'INVALID_CURSOR', expect.stringContaining('_after is not a valid cursor')],
      ['/tables/people/rows?_limit=101', 'VALIDATION_FAILED', '_limit must be a whole number from 0 to 100.'],
      ['/tables/people/rows?_limit=-1', 'VALIDATION_FAILED', '_limit must be a whole number from 0 to 100.'],
      ['/tables/people/rows?_offset=x', 'VALIDATION_FAILED', '_offset must be a whole number from 0.'],
      ['/tables/people/rows?_count=yes', 'VALIDATION_FAILED', '_count must be true or false.'],
      ['/tables/people/rows?nick__isnull=maybe', 'VALIDATION_FAILED', 'nick__isnull must be true or false.'],
      ['/tables/people/rows?age__in=', 'VALIDATION_FAILED', 'age__in needs at least one value: age__in=a,b.'],
      ['/tables/people/rows?_bogus=1', 'VALIDATION_FAILED', expect.stringContaining("Unknown parameter '_bogus'")],
      ['/tables/people/rows?_all=true', 'VALIDATION_FAILED', "Parameter '_all' applies only to PATCH and DELETE."],
      ['/tables/people/rows?age=1&age=2', 'VALIDATION_FAILED', "Filter 'age' must be given once, as column=value."],
      ['/tables/people/rows?_limit=1&_limit=2', 'VALIDATION_FAILED', "Parameter '_limit' must be given once."],
      ['/tables/ghost/rows?a=1', 'TABLE_NOT_FOUND', 'SQL Error: no such table: ghost'],
    ])('GET %s', async (path, code, detail) => {
      expect(expectError((await get(path, 400)).body, 400, code).detail).toEqual(detail);
    });

    it('refuses a cursor made for another order', async () => {
      const cursor = (await get('/tables/people/rows?_order=name&_limit=1')).body.next_cursor;
      expectError((await get(`/tables/people/rows?_order=age&_limit=1&_after=${cursor}`, 400)).body, 400, 'INVALID_CURSOR');
      expectError((await get(`/tables/people/rows?_order=name&_offset=1&_after=${cursor}`, 400)).body, 400, 'VALIDATION_FAILED');
      expect(names((await get(`/tables/people/rows?_order=name&_limit=1&_after=${cursor}`)).body)).toEqual(['Alan']);
    });
  });

  describe('PATCH and DELETE', () => {
    beforeAll(async () => {
      await sql('CREATE TABLE stock (id INTEGER PRIMARY KEY, item TEXT UNIQUE, qty INTEGER)');
      await sql("INSERT INTO stock (item, qty) VALUES ('apple', 5), ('pear', 0), ('plum', 12), ('fig', 0)");
    });
    const stock = async () => (await get('/tables/stock/rows?_order=id')).body.data.map((row: { item: string; qty: number }) => `${row.item}:${row.qty}`);

    it('updates the rows the filters match', async () => {
      const response = await gateway.http.patch('/api/db/shop/tables/stock/rows?qty__lt=1').set(admin).send({ set: { qty: 100 } }).expect(200);
      expect(response.body).toEqual({ message: 'Rows updated successfully.', rows_affected: 2 });
      expect(await stock()).toEqual(['apple:5', 'pear:100', 'plum:12', 'fig:100']);
    });

    it('refuses an unfiltered update or delete unless _all=true', async () => {
      const update = await gateway.http.patch('/api/db/shop/tables/stock/rows').set(admin).send({ set: { qty: 0 } }).expect(400);
      expect(expectError(update.body, 400, 'UNFILTERED_WRITE').detail).toBe('Refusing to update every row: give filters, or _all=true to update them all.');
      expectError((await gateway.http.delete('/api/db/shop/tables/stock/rows').set(admin).expect(400)).body, 400, 'UNFILTERED_WRITE');
      expectError((await gateway.http.delete('/api/db/shop/tables/stock/rows?_all=false').set(admin).expect(400)).body, 400, 'UNFILTERED_WRITE');
      expect(await stock()).toEqual(['apple:5', 'pear:100', 'plum:12', 'fig:100']);
      const all = await gateway.http.patch('/api/db/shop/tables/stock/rows?_all=true').set(admin).send({ set: { qty: 1 } }).expect(200);
      expect(all.body.rows_affected).toBe(4);
    });

    it('answers bad updates with 400 and changes nothing', async () => {
      const patch = (query: string, body: object) => gateway.http.patch(`/api/db/shop/tables/stock/rows${query}`).set(admin).send(body).expect(400);
      expectError((await patch('?id=1', { set: { nope: 1 } })).body, 400, 'UNKNOWN_COLUMN');
      expectError((await patch('?id=1', { set: {} })).body, 400, 'VALIDATION_FAILED');
      expectError((await patch('?id=1', { set: { qty: [1] } })).body, 400, 'VALIDATION_FAILED');
      expectError((await patch('?id=1', {})).body, 400, 'VALIDATION_FAILED');
      expectError((await patch('?id=1&_limit=1', { set: { qty: 2 } })).body, 400, 'VALIDATION_FAILED');
      expectError((await patch('?id=1&_order=id', { set: { qty: 2 } })).body, 400, 'VALIDATION_FAILED');
      expectError((await patch('?id=1', { set: { item: 'pear' } })).body, 400, 'CONSTRAINT_VIOLATION');
      expect(await stock()).toEqual(['apple:1', 'pear:1', 'plum:1', 'fig:1']);
    });

    it('deletes the rows the filters match, and all of them with _all=true', async () => {
      const response = await gateway.http.delete('/api/db/shop/tables/stock/rows?item__in=pear,fig').set(admin).expect(200);
      expect(response.body).toEqual({ message: 'Rows deleted successfully.', rows_affected: 2 });
      expect(await stock()).toEqual(['apple:1', 'plum:1']);
      expect((await gateway.http.delete('/api/db/shop/tables/stock/rows?_all=true').set(admin).expect(200)).body.rows_affected).toBe(2);
      expect(await stock()).toEqual([]);
    });
  });

  describe('upsert', () => {
    beforeAll(async () => {
      await sql('CREATE TABLE prices (sku TEXT PRIMARY KEY, price REAL, label TEXT, plain TEXT)');
      await sql("INSERT INTO prices VALUES ('a', 1, 'A', NULL), ('b', 2, 'B', NULL)");
    });
    const post = (body: object, status: number) => gateway.http.post('/api/db/shop/tables/prices/rows').set(admin).send(body).expect(status);
    const prices = async () => (await get('/tables/prices/rows?_order=sku')).body.data.map((row: { sku: string; price: number; label: string }) => `${row.sku}:${row.price}:${row.label}`);

    it('updates the colliding rows with on_conflict action update', async () => {
      const response = await post({ rows: [{ sku: 'a', price: 10 }, { sku: 'c', price: 3, label: 'C' }], on_conflict: { columns: ['sku'], action: 'update' } }, 201);
      expect(response.body).toEqual({ message: 'Rows inserted successfully.', rows_affected: 2 });
      expect(await prices()).toEqual(['a:10:A', 'b:2:B', 'c:3:C']);
    });

    it('skips the colliding rows with on_conflict action ignore, and counts only the inserted', async () => {
      const response = await post({ rows: [{ sku: 'b', price: 99 }, { sku: 'd', price: 4, label: 'D' }], on_conflict: { columns: ['sku'], action: 'ignore' } }, 201);
      expect(response.body.rows_affected).toBe(1);
      expect(await prices()).toEqual(['a:10:A', 'b:2:B', 'c:3:C', 'd:4:D']);
    });

    it('refuses a bad conflict target with 400 and inserts nothing', async () => {
      expectError((await post({ rows: [{ sku: 'e' }], on_conflict: { columns: ['nope'], action: 'update' } }, 400)).body, 400, 'UNKNOWN_COLUMN');
      const notUnique = await post({ rows: [{ sku: 'e', plain: 'p' }], on_conflict: { columns: ['plain'], action: 'update' } }, 400);
      expect(expectError(notUnique.body, 400, 'SQL_ERROR').detail).toContain('ON CONFLICT clause does not match');
      expectError((await post({ rows: [{ sku: 'e' }], on_conflict: { columns: ['sku'], action: 'merge' } }, 400)).body, 400, 'VALIDATION_FAILED');
      expectError((await post({ rows: [{ sku: 'e' }], on_conflict: { columns: [] , action: 'ignore' } }, 400)).body, 400, 'VALIDATION_FAILED');
      expectError((await post({ rows: [{}], on_conflict: { columns: ['sku'], action: 'ignore' } }, 400)).body, 400, 'VALIDATION_FAILED');
      expect(await prices()).toEqual(['a:10:A', 'b:2:B', 'c:3:C', 'd:4:D']);
    });
  });

  describe('keys', () => {
    it('lets a read key GET, and answers PATCH, DELETE and upsert with 403', async () => {
      const { key } = (await gateway.http.post('/admin/databases/shop/keys').set(admin).send({ scope: 'read' }).expect(201)).body;
      const reader = { Authorization: `Bearer ${key}` };
      await gateway.http.get('/api/db/shop/tables/people/rows?age__gt=9').set(reader).expect(200);
      expectError((await gateway.http.patch('/api/db/shop/tables/people/rows?id=1').set(reader).send({ set: { age: 1 } }).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
      expectError((await gateway.http.delete('/api/db/shop/tables/people/rows?id=1').set(reader).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
      const upsert = { rows: [{ id: 1, age: 1 }], on_conflict: { columns: ['id'], action: 'update' } };
      expectError((await gateway.http.post('/api/db/shop/tables/people/rows').set(reader).send(upsert).expect(403)).body, 403, 'INSUFFICIENT_SCOPE');
      expect((await get('/tables/people/rows?id=1')).body.data[0].age).toBe(36);
      expectError((await gateway.http.get('/api/db/shop/tables/people/rows').expect(401)).body, 401, 'UNAUTHENTICATED');
    });
  });
});
