'use strict';
// Preloaded (`node --require`) into servers that listen on every interface, such as Soul: every TCP
// listen() binds 127.0.0.1 instead, so the benchmark never exposes a server beyond this machine.
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackListen(...args) {
  const [first] = args;
  if (first !== null && typeof first === 'object' && !(first instanceof net.Server) && first.path === undefined && first.fd === undefined && first._handle === undefined) {
    args[0] = { ...first, host: '127.0.0.1' }; // listen({ port, host, … })
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)) || first === undefined || typeof first === 'function') {
    // listen(port[, host][, backlog][, callback]) or listen([callback]): put 127.0.0.1 as the host.
    if (typeof first !== 'number' && typeof first !== 'string') args.unshift(0);
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
