import http from 'node:http';

// Node's `http` module exposes WebSocket, CloseEvent and MessageEvent as lazy getters that load undici (Node's
// fetch and WebSocket implementation, about 0.8 MB of source). An ESM `import ... from 'http'` (NestJS is ESM)
// builds the module's namespace by reading every export, so each service loaded undici at start without using
// it: about 2.5 MB of heap and 5-10 MB resident per process (docs/performance.md, "Memory"). The three names stay
// available as globals (`globalThis.WebSocket` is the same class); only these aliases on `http` are removed, and
// this module is imported first, before anything imports `http` as ESM.
for (const name of ['WebSocket', 'CloseEvent', 'MessageEvent']) {
  const descriptor = Object.getOwnPropertyDescriptor(http, name);
  if (descriptor?.get && descriptor.configurable) Reflect.deleteProperty(http, name);
}
