// The services and the scripts reach a Kafka that demands TLS and SASL, as every managed Kafka does: a broker with
// a SASL_SSL listener (certificates and users made by the test), clients built from the KAFKA_* variables.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { logLevel, Partitioners, type Kafka } from 'kafkajs';
import { Topics, type EventEnvelope } from '@shop/contracts';
import { createKafka, kafkaSettings, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, groupJoined, publishEnvelopes, startServiceForTest, uniqueName } from '@shop/testing';
import { service as orderService } from '../../apps/order-service/src/service';
import { startSecureBroker, type SecureBroker } from './kafka-broker';

const ROOT = path.resolve(__dirname, '../..');
jest.setTimeout(240_000);

describe('Kafka over SASL_SSL', () => {
  let broker: SecureBroker;

  beforeAll(async () => {
    broker = await startSecureBroker();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  function variables(mechanism: keyof SecureBroker['users'], overrides: Record<string, string> = {}) {
    return {
      KAFKA_BROKERS: broker.brokers,
      KAFKA_TOPIC_PREFIX: uniqueName('sasl'),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA: broker.caFile,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: broker.users[mechanism].username,
      KAFKA_SASL_PASSWORD: broker.users[mechanism].password,
      ...overrides,
    };
  }

  function quietKafka(settings: KafkaSettings, retries = 8): Kafka {
    return createKafka(settings, undefined, { retry: { initialRetryTime: 300, retries }, logLevel: logLevel.NOTHING });
  }

  /** Creates a topic, produces one message and reads it back with the given settings. */
  async function roundTrip(settings: KafkaSettings): Promise<string> {
    const kafka = quietKafka(settings);
    const topic = physicalName(settings, 'roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const value = randomBytes(8).toString('hex');
    await producer.send({ topic, messages: [{ value }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: physicalName(settings, 'reader') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      return await new Promise<string>((resolve, reject) => {
        consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  }

  it.each(['scram-sha-512', 'scram-sha-256', 'plain'] as const)(
    'produces and consumes with SASL %s over TLS, the broker verified against KAFKA_SSL_CA',
    async (mechanism) => {
      const settings = kafkaSettings(variables(mechanism), `sasl-${mechanism}`);
      expect(settings.ssl).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE') });
      expect(settings.sasl).toMatchObject({ mechanism });
      await expect(roundTrip(settings)).resolves.toMatch(/^[0-9a-f]{16}$/);
    },
  );

  it('refuses a wrong password with an error that does not contain it', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const settings = kafkaSettings(variables('scram-sha-512', { KAFKA_SASL_PASSWORD: wrong }), 'sasl-wrong');
    const admin = quietKafka(settings, 0).admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    await admin.disconnect().catch(() => undefined);
    expect(error).toBeInstanceOf(Error);
    expect(String(error?.message)).toMatch(/SASL|authentication/i);
    expect(String(error?.message)).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('does not trust a broker whose certificate is not signed by a configured CA', async () => {
    const settings = kafkaSettings(variables('scram-sha-512', { KAFKA_SSL_CA: '' }), 'sasl-untrusted');
    expect(settings.ssl).toBe(true);
    const admin = quietKafka(settings, 0).admin();
    const error = await admin.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    await admin.disconnect().catch(() => undefined);
    expect(String(error?.message ?? error)).toMatch(/certificate|self.signed|Connection error/i);
  });

  it('runs order-service on it: readiness up, events consumed and published through the outbox', async () => {
    const env = variables('scram-sha-512');
    const orders = await startServiceForTest(orderService, env);
    const settings = kafkaSettings(env, 'sasl-order-test');
    const kafka = quietKafka(settings);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const reader = kafka.consumer({ groupId: physicalName(settings, 'order-paid-reader') });
    try {
      const ready = await orders.request({ method: 'GET', url: '/health/ready' });
      expect(ready.json()).toMatchObject({ status: 'ok' });

      const paid: EventEnvelope[] = [];
      const joined = groupJoined(reader);
      await reader.connect();
      await reader.subscribe({ topic: physicalName(settings, Topics.OrderPaid), fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          paid.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
        },
      });
      await joined;

      const created = await orders.request({
        method: 'POST',
        url: '/internal/v1/orders',
        payload: { customerId: `cust-${randomBytes(4).toString('hex')}`, items: [{ sku: 'MUG-CELADON', quantity: 1 }] },
      });
      expect(created.statusCode).toBe(201);
      const { orderNo } = created.json<{ orderNo: string }>();
      const order = (await orders.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}` })).json<{
        totalAmount: number;
        currency: string;
      }>();

      await producer.connect();
      await publishEnvelopes(producer, physicalName(settings, Topics.PaymentSucceeded), [
        {
          eventId: randomUUID(),
          type: 'PaymentSucceeded',
          version: 1,
          occurredAt: new Date().toISOString(),
          key: orderNo,
          producer: 'test',
          payload: {
            orderNo,
            provider: 'alipay',
            providerTransactionId: `2026${randomBytes(8).toString('hex')}`,
            amount: order.totalAmount,
            currency: order.currency,
            paidAt: new Date().toISOString(),
          },
        },
      ]);
      const event = await eventually(async () => paid.find((e) => e.key === orderNo), {
        message: `OrderPaid for ${orderNo} on the SASL_SSL listener`,
        timeoutMs: 60_000,
      });
      expect(event.payload).toMatchObject({ orderNo });
    } finally {
      await reader.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await orders.stop();
    }
  });

  it('the scripts read the same variables: npm run dlq -- list reaches the SASL_SSL broker', async () => {
    const env = { ...process.env, ...variables('scram-sha-256') };
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ['scripts/dlq.mjs', 'list'],
        { cwd: ROOT, env, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(result.out).not.toContain(broker.users['scram-sha-256'].password);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/dead-letter|dead letter/);
  });
});
