'use strict';
const { createServer } = require('node:net');

/** A TCP port free on 127.0.0.1 right now, for a server a benchmark starts. */
function freePort() {
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

module.exports = { freePort };
