#!/usr/bin/env node
// The node:http reference DB-Forge is measured against: a hand-written node:http server over the
// shared SQLite access code (bench/sqlite-access.js: one connection, WAL, synchronous=NORMAL or
// $BASELINE_SYNCHRONOUS, cached prepared statements). It answers the same paths and JSON shapes as the
// gateway's data plane, for one database, so the benchmark can send both the very same requests.
// Usage: node bench/baseline-server.js <port> <database file>
'use strict';
const http = require('node:http');
const { openSqlite } = require('./sqlite-access');

const [port, file] = process.argv.slice(2);

function send(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function handle(sqlite, request, body) {
  const url = new URL(request.url, 'http://x');
  const parts = url.pathname.split('/').filter(Boolean); // api db <db> ...
  if (request.method === 'POST' && parts[0] === 'admin') return [201, { message: 'Database instance spawned successfully.', db_name: parts[3], container_id: null }];
  if (request.method === 'POST' && parts[3] === 'query') {
    const { sql, params = [] } = JSON.parse(body);
    return [200, await sqlite.query(sql, params)];
  }
  if (parts[3] === 'tables' && parts[5] === 'rows') {
    if (request.method === 'GET') return [200, await sqlite.readRows(parts[4], [...url.searchParams.entries()])];
    return [201, await sqlite.insertRows(parts[4], JSON.parse(body).rows)];
  }
  return [404, { detail: 'Not Found' }];
}

openSqlite(file).then((sqlite) => {
  http
    .createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        handle(sqlite, request, Buffer.concat(chunks).toString())
          .then(([status, body]) => send(response, status, body))
          .catch((error) => send(response, 400, { detail: `SQL Error: ${error.message}` }));
      });
    })
    .listen(Number(port), '127.0.0.1', () => console.log(`baseline listening on ${port}`));
});
