// The load generator's HTTP client: node:http over keep-alive sockets. fetch (undici, web streams) costs the load
// generator several times the CPU per request, and on a shared 2-core box the load generator's CPU is taken from
// the system it measures.
import http from 'node:http';

/** A keep-alive client with up to `maxSockets` connections per host. */
export function httpClient(maxSockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    /** Sends a request; answers {status, body} (body as text), or rejects on a network error or after timeoutMs. */
    request(url, { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(body);
        const req = http.request(
          url,
          {
            method,
            agent,
            headers: payload ? { ...headers, 'content-length': payload.length } : headers,
            timeout: timeoutMs,
          },
          (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
