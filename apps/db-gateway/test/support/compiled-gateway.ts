import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The compiled gateway as `npm start` runs it (built by `npm test`'s pretest step). */
export const COMPILED_GATEWAY = resolve(__dirname, '../../../../dist/apps/db-gateway/src/main.js');

/** A TCP port free on 127.0.0.1 at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
