import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Topics } from '@shop/contracts';
import { AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import { callJson, eventually, startSystem, testBrokers, type RunningSystem } from '@shop/testing';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';

// Tracing, end to end: a W3C traceparent sent by a client or by a provider's callback is continued by every
// service it reaches, over HTTP (gateway to service) and Kafka (the traceparent header), log lines carry its trace
// and span ids, and the spans reach an OTLP collector (here a local HTTP server reading OTLP/JSON).

const JWT_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuv';
const customer = signToken(JWT_SECRET, { sub: 'e2e-trace-customer', roles: ['customer'] });

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** An OTLP/HTTP collector that keeps every span it receives. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[];
          }[];
        };
        for (const resourceSpans of body.resourceSpans) {
          const service =
            resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) spans.push({ ...span, service });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const newTraceId = () => randomBytes(16).toString('hex');
const traceparent = (traceId: string) => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

describe('tracing across HTTP and Kafka', () => {
  let system: RunningSystem;
  let simulator: AlipaySimulator;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    const keys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: '2021000199990001',
      sellerId: '2088000199990001',
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
    });
    await simulator.start();
    system = await startSystem({
      JWT_SECRET,
      ALIPAY_APP_ID: '2021000199990001',
      ALIPAY_SELLER_ID: '2088000199990001',
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
    await collector?.close();
  });

  const api = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${system.urls['api-gateway']}${path}`, {
      method,
      headers: { authorization: `Bearer ${customer}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as T }));

  const linesOf = (service: Parameters<RunningSystem['logLines']>[0], traceId: string) =>
    system.logLines(service).filter((line) => line['trace_id'] === traceId);

  const spansOf = (traceId: string) => collector.spans.filter((s) => s.traceId === traceId);

  /** The messages of a topic of this system whose key is `key`, read from the beginning. */
  async function messagesFor(topic: string, key: string): Promise<KafkaMessage[]> {
    const kafka = new Kafka({ clientId: 'trace-test', brokers: testBrokers().split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `trace-test-${randomBytes(4).toString('hex')}` });
    const found: KafkaMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${system.topicPrefix}.${topic}`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === key) found.push(message);
        },
      });
      await eventually(async () => (found.length > 0 ? true : undefined), {
        timeoutMs: 30_000,
        message: `a message keyed ${key} on ${topic}`,
      });
    } finally {
      await consumer.disconnect();
    }
    return found;
  }

  it('a client traceparent is continued by the gateway and the order-service, in spans and in log lines', async () => {
    const traceId = newTraceId();
    const products = await callJson<{ items: { sku: string }[] }>(
      system.urls['api-gateway'],
      'GET',
      '/api/v1/products',
    );
    const created = await api<{ orderNo: string }>(
      'POST',
      '/api/v1/orders',
      { items: [{ sku: products.body.items[0].sku, quantity: 1 }] },
      { traceparent: traceparent(traceId) },
    );
    expect(created.status).toBe(201);

    // Spans: the gateway's server span, its client span to the order-service, the order-service's server span
    // as that client span's child. The three spans end at different moments (the gateway's server span after its answer is sent) and are
    // exported in batches: wait for all of them.
    const find = () => {
      const spans = spansOf(traceId);
      return {
        gatewayServer: spans.find((s) => s.service === 'api-gateway' && s.name === 'POST /api/v1/orders'),
        gatewayClient: spans.find((s) => s.service === 'api-gateway' && s.name === 'POST order-service'),
        orderServer: spans.find((s) => s.service === 'order-service' && s.name.startsWith('POST /internal/v1/')),
      };
    };
    const { gatewayServer, gatewayClient, orderServer } = await eventually(
      async () => {
        const found = find();
        return found.gatewayServer && found.gatewayClient && found.orderServer ? found : undefined;
      },
      { timeoutMs: 15_000, message: `the gateway's and the order-service's spans of trace ${traceId}` },
    );
    expect(gatewayServer).toBeDefined();
    expect(gatewayClient?.parentSpanId).toBe(gatewayServer!.spanId);
    expect(orderServer?.parentSpanId).toBe(gatewayClient!.spanId);

    // Logs: both services' request lines carry the trace id and their own span's id.
    // Logs are written asynchronously: a line may reach the file a moment after the span was exported.
    const gatewayLine = await eventually(async () =>
      linesOf('api-gateway', traceId).find((l) => l['msg'] === 'request completed'),
    );
    const orderLine = await eventually(async () =>
      linesOf('order-service', traceId).find((l) => l['msg'] === 'request completed'),
    );
    expect(gatewayLine?.['span_id']).toBe(gatewayServer!.spanId);
    expect(orderLine?.['span_id']).toBe(orderServer!.spanId);
  });

  it('a provider callback’s traceparent travels through Kafka to every service the payment reaches', async () => {
    const products = await callJson<{ items: { sku: string }[] }>(
      system.urls['api-gateway'],
      'GET',
      '/api/v1/products',
    );
    const created = await api<{ orderNo: string }>('POST', '/api/v1/orders', {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    const orderNo = created.body.orderNo;
    const started = await api('POST', `/api/v1/orders/${orderNo}/payments`, { provider: 'alipay', method: 'qr' });
    expect(started.status).toBe(201);

    const traceId = newTraceId();
    const result = await simulator.pay(orderNo, { headers: { traceparent: traceparent(traceId) } });
    expect(result.body).toBe('success');

    // The PaymentSucceeded event carries the callback's trace in its Kafka header.
    const [message] = await messagesFor(Topics.PaymentSucceeded, orderNo);
    expect(message.headers?.['traceparent']?.toString()).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // Every service that acted on it did so in that trace: spans at the collector, ids in the log lines.
    const spans = await eventually(
      async () => {
        const found = spansOf(traceId);
        const services = new Set(found.filter((s) => s.kind === 5).map((s) => s.service)); // 5: CONSUMER
        const ingested = found.some((s) => s.service === 'notification-ingest' && s.kind === 2); // 2: SERVER
        return ingested &&
          services.has('order-service') &&
          services.has('payment-gateway') &&
          services.has('ledger-service')
          ? found
          : undefined;
      },
      { timeoutMs: 30_000, message: `consumer spans of trace ${traceId} in every service` },
    );
    const ingest = spans.find((s) => s.service === 'notification-ingest' && s.kind === 2);
    expect(ingest).toBeDefined();
    const consumers = spans.filter((s) => s.kind === 5 && s.name === `${Topics.PaymentSucceeded} process`);
    // Each consumer continues the callback's span, the one that wrote the event to the outbox.
    for (const consumer of consumers) expect(consumer.parentSpanId).toBe(ingest!.spanId);

    await eventually(async () => (linesOf('notification-ingest', traceId).length > 0 ? true : undefined));
    await eventually(async () => linesOf('order-service', traceId).find((l) => l['msg'] === 'order paid'));
    await eventually(async () =>
      linesOf('payment-gateway', traceId).find((l) => l['msg'] === 'payment attempt succeeded'),
    );
    for (const line of linesOf('order-service', traceId)) expect(line['span_id']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a malformed traceparent starts a new trace instead of being passed on', async () => {
    const response = await fetch(`${system.urls['api-gateway']}/api/v1/products`, {
      headers: { traceparent: '00-not-a-trace-01', 'x-request-id': 'trace-malformed-1' },
    });
    expect(response.status).toBe(200);
    const line = await eventually(async () =>
      system.logLines('api-gateway').find((l) => l['correlationId'] === 'trace-malformed-1'),
    );
    expect(line['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    expect(line['trace_id']).not.toBe('0'.repeat(32));
  });
});
