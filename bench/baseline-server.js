#!/usr/bin/env node
// The baseline DB-Forge is measured against: a hand-written node:http + sqlite3 server with one
// connection, WAL, synchronous=NORMAL (or $BASELINE_SYNCHRONOUS) and cached prepared statements.
// It answers the same paths and JSON shapes as the gateway's data plane, for one database, so the
// benchmark can send both the very same requests. No validation, no auth, no limits: the floor.
// Usage: node bench/baseline-server.js <port> <database file>
'use strict';
const http = require('node:http');
const sqlite3 = require('sqlite3');

const [port, file] = process.argv.slice(2);
const db = new sqlite3.Database(file);
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
const all = (sql, params) => new Promise((ok, fail) => prepared(sql).all(params, (error, rows) => (error ? fail(error) : ok(rows))));
const run = (sql, params) =>
  new Promise((ok, fail) =>
    prepared(sql).run(params, function done(error) {
      if (error) fail(error);
      else ok({ changes: this.changes, lastID: this.lastID });
    }),
  );
const exec = (sql) => new Promise((ok, fail) => db.exec(sql, (error) => (error ? fail(error) : ok())));
// One connection: a multi-row insert holds it in a transaction, so those run one at a time.
let insertTail = Promise.resolve();
const serialized = (task) => {
  const result = insertTail.then(task);
  insertTail = result.catch(() => undefined);
  return result;
};

function send(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function handle(request, body) {
  const url = new URL(request.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean); // api db <db> ...
  if (request.method === 'POST' && parts[0] === 'admin') return [201, { message: 'Database instance spawned successfully.', db_name: parts[3], container_id: null }];
  if (request.method === 'POST' && parts[3] === 'query') {
    const { sql, params = [] } = JSON.parse(body);
    if (/^\s*(SELECT|WITH|PRAGMA)/i.test(sql)) {
      const rows = await all(sql, params);
      return [200, { data: rows, rows_affected: rows.length }];
    }
    const result = await run(sql, params);
    return [200, { message: 'Query executed successfully.', rows_affected: result.changes, last_insert_id: result.lastID }];
  }
  if (parts[3] === 'tables' && parts[5] === 'rows') {
    const table = parts[4];
    if (request.method === 'GET') {
      const filters = [...url.searchParams.entries()];
      const where = filters.length ? ` WHERE ${filters.map(([column]) => `"${column}" = ?`).join(' AND ')}` : '';
      const rows = await all(`SELECT * FROM "${table}"${where}`, filters.map(([, value]) => value));
      return [200, { data: rows, rows_affected: rows.length }];
    }
    const { rows } = JSON.parse(body);
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
      return [201, { message: 'Rows inserted successfully.', rows_affected: rows.length }];
    });
  }
  return [404, { detail: 'Not Found' }];
}

db.exec(`PRAGMA journal_mode=WAL; PRAGMA synchronous=${process.env.BASELINE_SYNCHRONOUS || 'NORMAL'}; PRAGMA busy_timeout=5000`, (error) => {
  if (error) throw error;
  http
    .createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        handle(request, Buffer.concat(chunks).toString())
          .then(([status, body]) => send(response, status, body))
          .catch((error) => send(response, 400, { detail: `SQL Error: ${error.message}` }));
      });
    })
    .listen(Number(port), '127.0.0.1', () => console.log(`baseline listening on ${port}`));
});
