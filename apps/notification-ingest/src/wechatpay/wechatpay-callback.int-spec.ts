import 'reflect-metadata';
import { Money } from '@shop/money';
import { deterministicEventId } from '@shop/contracts';
import {
  WechatPaySimulator,
  generateWechatPayKeys,
  randomAlphanumeric,
  type WechatPayKeys,
  type WechatPayPayOptions,
  type WechatPayPayResult,
} from '@shop/provider-simulators';
import { WechatPayClient, parseWechatpayTime } from '@shop/providers';
import { CallbackHarness, withOutcomes } from '../../test/callback-harness';

const APP_ID = 'wx8888888888888888';
const MCH_ID = '1900000109';
const API_V3_KEY = randomAlphanumeric(32);
const JSON_TYPE = 'application/json';

// notification-ingest end to end on the real Kafka and PostgreSQL: a faithful WeChat Pay simulator posts signed,
// encrypted notifications over HTTP to the service on a random port; the merchant side (what payment-gateway
// does) opens the Native trades with a WechatPayClient; orders become known through real OrderCreated events.
describe('POST /callbacks/wechatpay', () => {
  let harness: CallbackHarness;
  let keys: WechatPayKeys;
  let stranger: WechatPayKeys;
  let simulator: WechatPaySimulator;
  let merchant: WechatPayClient;

  beforeAll(async () => {
    [keys, stranger] = await Promise.all([generateWechatPayKeys(), generateWechatPayKeys()]);
    harness = await CallbackHarness.start({
      WECHATPAY_APP_ID: APP_ID,
      WECHATPAY_MCH_ID: MCH_ID,
      WECHATPAY_API_V3_KEY: API_V3_KEY,
      // As an env file carries it: one line with literal "\n".
      WECHATPAY_PUBLIC_KEY: keys.platform.publicKeyPem.replace(/\n/g, '\\n'),
      WECHATPAY_PUBLIC_KEY_ID: keys.platform.publicKeyId,
      // The refusals below all come from 127.0.0.1; the source brake is another spec's subject.
      CALLBACK_REJECTIONS_PER_MINUTE: '100000',
    });
    simulator = new WechatPaySimulator({
      appId: APP_ID,
      mchId: MCH_ID,
      apiV3Key: API_V3_KEY,
      merchantPublicKey: keys.merchant.publicKeyPem,
      merchantCertSerial: keys.merchant.certSerial,
      platformPrivateKey: keys.platform.privateKeyPem,
      platformSerial: keys.platform.publicKeyId,
    });
    await simulator.start();
    merchant = new WechatPayClient({
      appId: APP_ID,
      mchId: MCH_ID,
      privateKey: keys.merchant.privateKeyPem,
      certSerial: keys.merchant.certSerial,
      platformKeys: { [keys.platform.publicKeyId]: keys.platform.publicKeyPem },
      baseUrl: simulator.baseUrl,
    });
  });

  afterAll(async () => {
    await simulator?.stop();
    await harness?.stop();
  });

  /** An order the order-service announced and the merchant opened at WeChat Pay (Native), with our notify_url. */
  async function knownTrade(totalFen: number): Promise<string> {
    const orderNo = harness.newOrderNo();
    await harness.knownOrder(orderNo, totalFen);
    const result = await merchant.createPayment({
      orderNo,
      amount: Money.of(totalFen, 'CNY'),
      subject: '龙井茶 Tea+Cake 100%',
      method: 'native',
      notifyUrl: harness.url('wechatpay'),
    });
    expect(result.kind).toBe('code-url');
    return orderNo;
  }

  const nowSeconds = (): number => Math.floor(Date.now() / 1000);
  const answers = (result: WechatPayPayResult) => result.deliveries.map((d) => d.status);

  it('acknowledges a valid payment with 204, stores it once and publishes one PaymentSucceeded in fen', async () => {
    const orderNo = await knownTrade(12_345);
    const { result, outcomes } = await withOutcomes(harness, 'wechatpay', () => simulator.pay(orderNo));
    expect(outcomes).toEqual({ accepted: 1 });
    expect([result.status, result.body]).toEqual([204, '']);

    const transactionId = result.notification.resource.transaction_id as string;
    const eventId = deterministicEventId('wechatpay', transactionId, 'PaymentSucceeded');
    const [delivery] = result.deliveries;
    expect(await harness.rowsOf(orderNo)).toEqual([
      {
        notification_key: result.notification.id,
        raw_body: result.notification.body,
        fields: expect.objectContaining({
          event_type: 'TRANSACTION.SUCCESS',
          resource: JSON.stringify(result.notification.resource),
          'wechatpay-serial': keys.platform.publicKeyId,
        }),
        order_no: orderNo,
        provider_transaction_id: transactionId,
        trade_status: 'SUCCESS',
        kind: 'payment-succeeded',
        amount: '12345',
        currency: 'CNY',
        classification: 'payment',
        event_id: eventId,
        source_ip: '127.0.0.1',
      },
    ]);
    expect(
      await harness.db.query('SELECT replay_key FROM callback_replay_keys WHERE provider = $1 AND replay_key = $2', [
        'wechatpay',
        `${delivery.timestamp}:${delivery.nonce}`,
      ]),
    ).toHaveLength(1);
    expect(await harness.settledPaymentsOf(orderNo)).toEqual([
      expect.objectContaining({
        eventId,
        type: 'PaymentSucceeded',
        key: orderNo,
        producer: 'notification-ingest',
        payload: {
          orderNo,
          provider: 'wechatpay',
          providerTransactionId: transactionId,
          amount: 12_345,
          currency: 'CNY',
          paidAt: parseWechatpayTime(result.notification.resource.success_time)?.toISOString(),
        },
      }),
    ]);
  });

  it('answers 10 concurrent deliveries and 2 retries (each signed afresh) with 204 and writes one event', async () => {
    const orderNo = await knownTrade(990);
    const { result, outcomes } = await withOutcomes(harness, 'wechatpay', async () => {
      const concurrent = await simulator.pay(orderNo, { concurrent: 10 });
      const retried = await simulator.pay(orderNo, { times: 2 });
      return [concurrent, retried] as const;
    });
    expect(outcomes).toEqual({ accepted: 1, duplicate: 11 });
    expect(result.flatMap(answers)).toEqual(Array.from({ length: 12 }, () => 204));
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.outboxCount(orderNo)).toBe(1);
    const events = await harness.settledPaymentsOf(orderNo);
    expect(events.map((e) => (e.payload as { amount: number }).amount)).toEqual([990]);
  });

  it('refuses a byte-exact replay (same timestamp and nonce) but acknowledges a genuine re-signed retry', async () => {
    const orderNo = await knownTrade(4_200);
    const nonce = randomAlphanumeric(32);
    const { result: replayed, outcomes } = await withOutcomes(harness, 'wechatpay', () =>
      simulator.pay(orderNo, { timestamp: nowSeconds(), nonce, times: 2 }),
    );
    expect(outcomes).toEqual({ accepted: 1, rejected_replay: 1 });
    expect(answers(replayed)).toEqual([204, 400]);
    expect(JSON.parse(replayed.deliveries[1].body)).toEqual({ code: 'FAIL', message: 'request replayed' });
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.outboxCount(orderNo)).toBe(1);

    // WeChat Pay's own retry of the same notification carries a new timestamp and nonce: a duplicate, acked.
    const { result: retried, outcomes: retryOutcomes } = await withOutcomes(harness, 'wechatpay', () =>
      simulator.pay(orderNo),
    );
    expect(retryOutcomes).toEqual({ duplicate: 1 });
    expect(retried.status).toBe(204);
    expect(await harness.settledPaymentsOf(orderNo)).toHaveLength(1);
  });

  describe('refuses with 4xx/5xx {"code":"FAIL"}, stores nothing and publishes nothing for', () => {
    it.each<[string, () => WechatPayPayOptions, number, string]>([
      [
        'a body changed after signing',
        () => ({ tamper: { replace: { 支付成功: '支付失败' } } }),
        401,
        'rejected_signature',
      ],
      [
        'the same JSON re-serialised (other bytes)',
        () => ({ tamper: { reserialize: true } }),
        401,
        'rejected_signature',
      ],
      [
        'a signature by another key than WeChat Pay’s',
        () => ({ signWithKey: stranger.platform.privateKeyPem }),
        401,
        'rejected_signature',
      ],
      [
        'a Wechatpay-Serial we hold no key for',
        () => ({ serial: stranger.platform.publicKeyId }),
        401,
        'rejected_signature',
      ],
      ['a timestamp 301 s old', () => ({ timestamp: nowSeconds() - 301 }), 401, 'rejected_signature'],
      ['a timestamp 301 s ahead', () => ({ timestamp: nowSeconds() + 301 }), 401, 'rejected_signature'],
      ['another merchant’s mchid', () => ({ mchId: '1900000110' }), 400, 'rejected_merchant'],
      ['another appid', () => ({ appId: 'wx0000000000000001' }), 400, 'rejected_merchant'],
      [
        'a resource encrypted with another APIv3 key (our misconfiguration)',
        () => ({ apiV3Key: randomAlphanumeric(32) }),
        500,
        'error',
      ],
      ['a WECHATPAY/SIGNTEST/ probe (no alert)', () => ({ probe: true }), 401, 'rejected_probe'],
    ])('%s', async (_case, options, status, outcome) => {
      const orderNo = await knownTrade(12_345);
      const { result, outcomes } = await withOutcomes(harness, 'wechatpay', () => simulator.pay(orderNo, options()));
      expect(outcomes).toEqual({ [outcome]: 1 });
      expect(result.status).toBe(status);
      expect(JSON.parse(result.body)).toEqual({ code: 'FAIL', message: expect.any(String) });
      expect(await harness.rowsOf(orderNo)).toEqual([]);
      expect(await harness.outboxCount(orderNo)).toBe(0);
    });

    it('a body over 64 KB, with 413 (64 KB exactly still reaches the verifier)', async () => {
      const limit = 64 * 1024;
      const padded = (size: number) => `{"id":"${'x'.repeat(size - 9)}"}`;
      expect(padded(limit).length).toBe(limit);
      const { outcomes } = await withOutcomes(harness, 'wechatpay', async () => {
        const atLimit = await harness.post('wechatpay', padded(limit), JSON_TYPE);
        expect([atLimit.statusCode, atLimit.json()]).toEqual([400, { code: 'FAIL', message: expect.any(String) }]);
        const over = await harness.post('wechatpay', padded(limit + 1), JSON_TYPE);
        expect([over.statusCode, over.json()]).toEqual([413, { code: 'FAIL', message: expect.any(String) }]);
      });
      expect(outcomes).toEqual({ rejected_malformed: 1, rejected_too_large: 1 });
    });

    it('another content type than JSON, with 415', async () => {
      const body = '{"id":"n-1","event_type":"TRANSACTION.SUCCESS"}';
      const { outcomes } = await withOutcomes(harness, 'wechatpay', async () => {
        // Parsed as text or form, then refused by the verifier in WeChat Pay's format.
        for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
          const response = await harness.post('wechatpay', body, type);
          expect([response.statusCode, response.json()]).toEqual([415, { code: 'FAIL', message: expect.any(String) }]);
        }
        // No parser at all for this type: Fastify refuses it before the controller.
        const unparsed = await harness.post('wechatpay', '<xml/>', 'application/xml');
        expect([unparsed.statusCode, unparsed.json()]).toEqual([415, { code: 'FAIL', message: expect.any(String) }]);
      });
      expect(outcomes).toEqual({ rejected_content_type: 3 });
    });
  });

  it('counts every outcome of payment_callbacks_total for wechatpay from the start', async () => {
    expect(Object.keys(await harness.callbackCounts('wechatpay'))).toEqual(
      expect.arrayContaining(['accepted', 'duplicate', 'rejected_replay', 'rejected_probe', 'rejected_signature']),
    );
  });
});
