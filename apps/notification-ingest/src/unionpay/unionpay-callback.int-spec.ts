import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { deterministicEventId } from '@shop/contracts';
import { Money } from '@shop/money';
import {
  UnionPaySimulator,
  generateUnionPayCertificates,
  type UnionPayCertificates,
  type UnionPayPayOptions,
  type UnionPayPayResult,
} from '@shop/provider-simulators';
import { UnionPayClient, parseUnionPayTime, signUnionPayFields } from '@shop/providers';
import { CallbackHarness, withOutcomes } from '../../test/callback-harness';

const MER_ID = '777290058110048';
const FORM = 'application/x-www-form-urlencoded';
const SUBJECT = 'A+B 100% 龙井茶 & more=1';

// notification-ingest end to end on the real Kafka and PostgreSQL: a faithful UnionPay simulator posts signed back
// notifications (signPubKeyCert inside) over HTTP to the service on a random port; the merchant side opens the
// consumes with a UnionPayClient, its form posted to the simulator as the browser would.
describe('POST /callbacks/unionpay', () => {
  let harness: CallbackHarness;
  let certs: UnionPayCertificates;
  let simulator: UnionPaySimulator;
  let merchant: UnionPayClient;

  beforeAll(async () => {
    certs = await generateUnionPayCertificates();
    harness = await CallbackHarness.start({
      UNIONPAY_MER_ID: MER_ID,
      // One as an env file carries it (literal "\n"), one with real line breaks.
      UNIONPAY_ROOT_CERT: certs.root.certPem.replace(/\n/g, '\\n'),
      UNIONPAY_MIDDLE_CERT: certs.middle.certPem,
      CALLBACK_REJECTIONS_PER_MINUTE: '100000',
    });
    simulator = new UnionPaySimulator({
      merId: MER_ID,
      merchantCert: certs.merchant.certPem,
      signCert: certs.sign.certPem,
      signKey: certs.sign.privateKeyPem,
      middle: certs.middle,
      root: certs.root,
    });
    const gatewayUrl = await simulator.start();
    merchant = new UnionPayClient({
      merId: MER_ID,
      signPrivateKey: certs.merchant.privateKeyPem,
      signCertId: certs.merchant.certId,
      rootCert: certs.root.certPem,
      middleCert: certs.middle.certPem,
      gatewayUrl,
    });
  }, 60_000);

  afterAll(async () => {
    await simulator?.stop();
    await harness?.stop();
  });

  /** An order the order-service announced, whose consume form the buyer's browser posted to UnionPay. */
  async function knownTrade(totalFen: number): Promise<string> {
    const orderNo = harness.newOrderNo();
    await harness.knownOrder(orderNo, totalFen);
    const form = await merchant.createPayment({
      orderNo,
      amount: Money.of(totalFen, 'CNY'),
      subject: SUBJECT,
      method: 'page',
      notifyUrl: harness.url('unionpay'),
    });
    if (form.kind !== 'form') throw new Error('expected a consume form');
    const opened = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: new URLSearchParams(form.fields).toString(),
    });
    expect(opened.status).toBe(200);
    return orderNo;
  }

  const answers = (result: UnionPayPayResult) => result.deliveries.map((d) => [d.status, d.body]);

  it('acknowledges a valid payment with 200 `ok`, stores it once and publishes one PaymentSucceeded in fen', async () => {
    const orderNo = await knownTrade(12_345);
    const { result, outcomes } = await withOutcomes(harness, 'unionpay', () => simulator.pay(orderNo));
    expect(outcomes).toEqual({ accepted: 1 });
    expect([result.status, result.body]).toEqual([200, 'ok']);

    const { queryId, txnTime } = result.notification;
    const eventId = deterministicEventId('unionpay', queryId, 'PaymentSucceeded');
    expect(await harness.rowsOf(orderNo)).toEqual([
      {
        notification_key: queryId,
        raw_body: new URLSearchParams(result.notification).toString(),
        fields: result.notification,
        order_no: orderNo,
        provider_transaction_id: queryId,
        trade_status: '00',
        kind: 'payment-succeeded',
        amount: '12345',
        currency: 'CNY',
        classification: 'payment',
        event_id: eventId,
        source_ip: '127.0.0.1',
      },
    ]);
    expect(result.notification.reqReserved).toBe(SUBJECT);
    const [event] = await harness.settledPaymentsOf(orderNo);
    expect(event).toMatchObject({
      eventId,
      type: 'PaymentSucceeded',
      key: orderNo,
      payload: { orderNo, provider: 'unionpay', providerTransactionId: queryId, amount: 12_345, currency: 'CNY' },
    });
    // traceTime (MMddHHmmss) in the year of txnTime: never before the order was placed.
    const paidAt = new Date((event.payload as { paidAt: string }).paidAt);
    expect(paidAt.getTime()).toBeGreaterThanOrEqual(parseUnionPayTime(txnTime)!.getTime());
  });

  it('answers 10 concurrent deliveries and 2 retries (same queryId) with `ok` and writes one event', async () => {
    const orderNo = await knownTrade(990);
    const { result, outcomes } = await withOutcomes(harness, 'unionpay', async () => [
      await simulator.pay(orderNo, { concurrent: 10 }),
      await simulator.pay(orderNo, { times: 2 }),
    ]);
    expect(outcomes).toEqual({ accepted: 1, duplicate: 11 });
    expect(result.flatMap(answers)).toEqual(Array.from({ length: 12 }, () => [200, 'ok']));
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.outboxCount(orderNo)).toBe(1);
    const events = await harness.settledPaymentsOf(orderNo);
    expect(events.map((e) => (e.payload as { amount: number }).amount)).toEqual([990]);
  });

  describe('refuses with 400 `fail`, stores nothing and publishes nothing for', () => {
    it.each<[string, UnionPayPayOptions, string]>([
      ['txnAmt changed after signing', { tamper: { txnAmt: '1' } }, 'rejected_signature'],
      ['another merchant’s merId, validly signed', { merId: '777290058110049' }, 'rejected_merchant'],
      ['a signing certificate that does not chain to the root', { leaf: 'foreign-ca' }, 'rejected_signature'],
      ['a certificate under the real middle CA with the wrong CN', { leaf: 'wrong-cn' }, 'rejected_signature'],
      ['an expired signing certificate', { leaf: 'expired' }, 'rejected_signature'],
    ])('%s', async (_case, options, outcome) => {
      const orderNo = await knownTrade(12_345);
      const { result, outcomes } = await withOutcomes(harness, 'unionpay', () => simulator.pay(orderNo, options));
      expect(outcomes).toEqual({ [outcome]: 1 });
      expect([result.status, result.body]).toEqual([400, 'fail']);
      expect(await harness.rowsOf(orderNo)).toEqual([]);
      expect(await harness.outboxCount(orderNo)).toBe(0);
    });

    it('a signature by another key under UnionPay’s genuine certificate', async () => {
      const orderNo = await knownTrade(12_345);
      // The notification as UnionPay would send it, then signed by someone else's key.
      const { notification } = await simulator.pay(orderNo, { tamper: { signature: 'AAAA' } });
      const { signature: _signature, ...fields } = notification;
      const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const forged = { ...fields, signature: signUnionPayFields(fields, stranger) };
      const { result, outcomes } = await withOutcomes(harness, 'unionpay', () =>
        simulator.postNotification(harness.url('unionpay'), forged),
      );
      expect(outcomes).toEqual({ rejected_signature: 1 });
      expect([result.status, result.body]).toEqual([400, 'fail']);
      expect(await harness.rowsOf(orderNo)).toEqual([]);
    });

    it('a body over 64 KB, with 413 (64 KB exactly still reaches the verifier)', async () => {
      const limit = 64 * 1024;
      const { outcomes } = await withOutcomes(harness, 'unionpay', async () => {
        const atLimit = await harness.post('unionpay', `a=${'x'.repeat(limit - 2)}`, FORM);
        expect([atLimit.statusCode, atLimit.body]).toEqual([400, 'fail']);
        const over = await harness.post('unionpay', `a=${'x'.repeat(limit - 1)}`, FORM);
        expect(over.statusCode).toBe(413);
      });
      expect(outcomes).toEqual({ rejected_malformed: 1, rejected_too_large: 1 });
    });

    it('another content type than a form: 400 `fail` from the verifier, 415 without a parser', async () => {
      const { outcomes } = await withOutcomes(harness, 'unionpay', async () => {
        const json = await harness.post('unionpay', JSON.stringify({ merId: MER_ID }), 'application/json');
        expect([json.statusCode, json.body]).toEqual([400, 'fail']);
        expect((await harness.post('unionpay', '<xml/>', 'application/xml')).statusCode).toBe(415);
      });
      expect(outcomes).toEqual({ rejected_content_type: 2 });
    });
  });
});
