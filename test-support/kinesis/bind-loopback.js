// Preloaded with `node -r` by dev.sluice.testing.KinesisEmulator.
'use strict';
const net = require('net');

// kinesis-local binds every interface and has no host option; tests must only listen on loopback, so every TCP
// listen() is rewritten to host 127.0.0.1. Unix sockets, pipes and inherited handles pass through unchanged.
const LOOPBACK = '127.0.0.1';
const originalListen = net.Server.prototype.listen;

function isPort(value) {
  return typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value));
}

function isTcpOptions(value) {
  return value !== null && typeof value === 'object' && value.path === undefined && value.handle === undefined
    && value.fd === undefined && value._handle === undefined;
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (isPort(first)) {
    const rest = args.slice(1);
    if (typeof rest[0] === 'string' || rest[0] === null || rest[0] === undefined) {
      rest.shift(); // the caller's host, if any
    }
    return originalListen.call(this, first, LOOPBACK, ...rest);
  }
  if (isTcpOptions(first)) {
    return originalListen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1));
  }
  return originalListen.apply(this, args);
};

// A JVM killed without running its shutdown hooks (e.g. a timed-out test fork) cannot kill the emulator, so the
// emulator exits by itself once it is re-parented.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) {
    process.exit(0);
  }
}, 1000).unref();
