import net from 'node:net';

// Below Linux's ephemeral range (32768-60999 by default). A port the kernel hands out for "port 0" comes from
// that range, which is also where every outgoing connection (Kafka, PostgreSQL, HTTP) takes its local port, so
// such a port can be taken by a connection between the moment it is found free and the moment a child process
// binds it. Ports from this range are only ever taken by a listener.
const FIRST = 20_000;
const LAST = 32_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on, for a process a test starts; never one handed out twice. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${FIRST} and ${LAST}`);
}

// Ports this test process already gave to a service: not handed out again while that service may still bind it.
const handedOut = new Set<number>();
