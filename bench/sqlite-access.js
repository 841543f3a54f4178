'use strict';
// The SQLite access code of the reference servers (bench/baseline-server.js on node:http and
// bench/nest-floor-server.js on NestJS), shared so that they differ only in their HTTP stack: one
// sqlite3 connection, WAL, synchronous=NORMAL (or $BASELINE_SYNCHRONOUS), cached prepared statements,
// multi-row inserts serialized in one transaction each. No validation, no auth, no limits: the floor.
const sqlite3 = require('sqlite3');

/** Opens `file` and resolves to the three operations the references answer with. */
function openSqlite(file, synchronous = process.env.BASELINE_SYNCHRONOUS || 'NORMAL') {
  const db = new sqlite3.Database(file);
  const statements = new Map();
  // A statement is cached once it has prepared. (A statement whose prepare fails drops the calls
  // queued on it and emits an unhandled 'error', so a first use waits for its prepare instead.)
  const withStatement = (sql, use) => {
    const cached = statements.get(sql);
    if (cached) return use(cached);
    return new Promise((ok, fail) => {
      const statement = db.prepare(sql, (error) => {
        if (error) return fail(error);
        statements.set(sql, statement);
        ok(statement);
      });
    }).then(use);
  };
  const all = (sql, params) => withStatement(sql, (statement) => new Promise((ok, fail) => statement.all(params, (error, rows) => (error ? fail(error) : ok(rows)))));
  const run = (sql, params) =>
    withStatement(
      sql,
      (statement) =>
        new Promise((ok, fail) =>
          statement.run(params, function done(error) {
            if (error) fail(error);
            else ok({ changes: this.changes, lastID: this.lastID });
          }),
        ),
    );
  const exec = (sql) => new Promise((ok, fail) => db.exec(sql, (error) => (error ? fail(error) : ok())));
  // One connection: a multi-row insert holds it in a transaction, so those run one at a time.
  let insertTail = Promise.resolve();
  const serialized = (task) => {
    const result = insertTail.then(task);
    insertTail = result.catch(() => undefined);
    return result;
  };

  /** POST /query: a read answers its rows, anything else what it changed. */
  async function query(sql, params = []) {
    if (/^\s*(SELECT|WITH|PRAGMA)/i.test(sql)) {
      const rows = await all(sql, params);
      return { data: rows, rows_affected: rows.length };
    }
    const result = await run(sql, params);
    return { message: 'Query executed successfully.', rows_affected: result.changes, last_insert_id: result.lastID };
  }

  /** GET rows: `filters` is a list of [column, value] pairs, ANDed as equalities. */
  async function readRows(table, filters) {
    const where = filters.length ? ` WHERE ${filters.map(([column]) => `"${column}" = ?`).join(' AND ')}` : '';
    const rows = await all(`SELECT * FROM "${table}"${where}`, filters.map(([, value]) => value));
    return { data: rows, rows_affected: rows.length };
  }

  /** POST rows: all the rows in one transaction. */
  function insertRows(table, rows) {
    return serialized(async () => {
      await exec('BEGIN');
      try {
        for (const row of rows) {
          const columns = Object.keys(row);
          await run(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => row[c]));
        }
        await exec('COMMIT');
      } catch (error) {
        await exec('ROLLBACK');
        throw error;
      }
      return { message: 'Rows inserted successfully.', rows_affected: rows.length };
    });
  }

  return exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=${synchronous}; PRAGMA busy_timeout=5000`).then(() => ({ query, readRows, insertRows }));
}

module.exports = { openSqlite };
