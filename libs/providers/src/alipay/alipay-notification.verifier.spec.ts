import { Money } from '@shop/money';
import { type AlipayKeys, AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import type { NotificationInput, NotificationRejection, VerifiedNotification } from '../notification-verifier';
import { AlipayNotificationVerifier } from './alipay-notification.verifier';

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

let keys: AlipayKeys;
let signer: AlipaySimulator; // used offline, only to sign notifications the way Alipay does
let verifier: AlipayNotificationVerifier;

beforeAll(async () => {
  keys = await generateAlipayKeys();
  signer = new AlipaySimulator({
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKey,
  });
  verifier = new AlipayNotificationVerifier({
    appId: APP_ID,
    sellerId: SELLER_ID,
    alipayPublicKey: keys.alipay.publicKeyBase64,
  });
});

function baseFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    notify_time: '2026-11-27 10:00:05',
    notify_type: 'trade_status_sync',
    notify_id: '2026112700222100005123456789012345',
    app_id: APP_ID,
    seller_id: SELLER_ID,
    out_trade_no: 'ORD_1001',
    trade_no: '2026112722001400001234567890',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '12.30',
    receipt_amount: '12.30',
    buyer_pay_amount: '12.30',
    gmt_create: '2026-11-27 09:59:00',
    gmt_payment: '2026-11-27 10:00:04',
    subject: 'Order 1001',
    fund_bill_list: '[{"amount":"12.30","fundChannel":"ALIPAYACCOUNT"}]',
    sign_type: 'RSA2',
    charset: 'utf-8',
    version: '1.0',
    ...overrides,
  };
}

const encode = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const input = (rawBody: string, ...type: [string | undefined] | []): NotificationInput => ({
  rawBody,
  contentType: type.length === 0 ? FORM : type[0],
  headers: {},
});
const signedBody = (overrides: Record<string, string> = {}, key?: string): string =>
  encode(signer.buildNotification(baseFields(overrides), key));

function accepted(notification: NotificationInput): VerifiedNotification {
  const verdict = verifier.verify(notification);
  if (!verdict.ok) throw new Error(`expected the notification to verify, got ${verdict.reason}`);
  return verdict.notification;
}

function rejection(notification: NotificationInput): NotificationRejection {
  const verdict = verifier.verify(notification);
  if (verdict.ok) throw new Error('expected a rejection');
  return verdict;
}

describe('AlipayNotificationVerifier.verify', () => {
  it('accepts an Alipay-signed notification and maps it', () => {
    const n = accepted(input(signedBody()));
    expect(n).toMatchObject({
      provider: 'alipay',
      notificationKey: '2026112700222100005123456789012345',
      kind: 'payment-succeeded',
      orderNo: 'ORD_1001',
      providerTransactionId: '2026112722001400001234567890',
      tradeStatus: 'TRADE_SUCCESS',
    });
    expect(n.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(n.paidAt?.toISOString()).toBe('2026-11-27T02:00:04.000Z');
    expect(n.fields.fund_bill_list).toBe('[{"amount":"12.30","fundChannel":"ALIPAYACCOUNT"}]');
  });

  it.each([
    ['TRADE_FINISHED', 'payment-succeeded'],
    ['TRADE_CLOSED', 'payment-closed'],
    ['WAIT_BUYER_PAY', 'other'],
  ])('maps trade_status %s to %s', (tradeStatus, kind) => {
    expect(accepted(input(signedBody({ trade_status: tradeStatus }))).kind).toBe(kind);
  });

  // Alipay notifies refunds on the trade's own channel: a partial refund sends TRADE_SUCCESS again with refund_fee
  // and out_biz_no, a full one TRADE_CLOSED. Read as a payment, a refund could pay or re-pay an order.
  it.each([
    [
      'a partial refund (TRADE_SUCCESS + refund_fee)',
      { trade_status: 'TRADE_SUCCESS', refund_fee: '10.00', out_biz_no: 'RF1', gmt_refund: '2026-12-04 10:00:00.000' },
    ],
    [
      'a full refund (TRADE_CLOSED + refund_fee)',
      { trade_status: 'TRADE_CLOSED', refund_fee: '88.00', out_biz_no: 'RF2', gmt_refund: '2026-12-04 10:00:00.000' },
    ],
    ['a refund marked only by out_biz_no', { trade_status: 'TRADE_SUCCESS', out_biz_no: 'RF3' }],
    ['a refund marked only by gmt_refund', { trade_status: 'TRADE_FINISHED', gmt_refund: '2026-12-04 10:00:00.000' }],
  ])('reads %s as a refund, never as a payment', (_name, fields) => {
    expect(accepted(input(signedBody(fields))).kind).toBe('refund');
  });

  it('keeps "+", "%" and "&" in values: the form is decoded exactly once', () => {
    const subject = 'A+B 100% off & more=yes %2B 中文';
    const n = accepted(input(signedBody({ subject })));
    expect(n.fields.subject).toBe(subject);
  });

  it('fails the signature when any signed field is changed after signing', () => {
    const signed = signer.buildNotification(baseFields());
    for (const key of Object.keys(signed).filter((k) => k !== 'sign' && k !== 'sign_type')) {
      const changed = key === 'charset' ? 'UTF-8 ' : `${signed[key]}x`;
      const refusal = rejection(input(encode({ ...signed, [key]: changed })));
      expect(refusal).toMatchObject({ reason: key === 'charset' ? 'MALFORMED' : 'BAD_SIGNATURE' });
    }
    const dropped = { ...signed };
    delete dropped.receipt_amount;
    expect(rejection(input(encode(dropped)))).toMatchObject({ reason: 'BAD_SIGNATURE' });
    const added = { ...signed, refund_fee: '1.00' };
    expect(rejection(input(encode(added)))).toMatchObject({ reason: 'BAD_SIGNATURE' });
  });

  it('fails the signature for a notification signed with another key', () => {
    const body = signedBody({}, keys.app.privateKeyPkcs8Pem);
    expect(rejection(input(body))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('rejects validly signed notifications for another app or seller', () => {
    expect(rejection(input(signedBody({ app_id: '2021000000000999' })))).toMatchObject({
      reason: 'FOREIGN_APP_ID',
    });
    expect(rejection(input(signedBody({ seller_id: '2088000000000999' })))).toMatchObject({
      reason: 'FOREIGN_SELLER_ID',
    });
  });

  it('accepts only application/x-www-form-urlencoded', () => {
    expect(accepted(input(signedBody(), 'Application/X-WWW-Form-Urlencoded')).kind).toBe('payment-succeeded');
    for (const type of [undefined, 'application/json', 'text/plain', 'multipart/form-data']) {
      expect(rejection(input(signedBody(), type))).toMatchObject({ reason: 'UNSUPPORTED_CONTENT_TYPE' });
    }
  });

  it('rejects malformed notifications', () => {
    const withoutNotifyId = signer.buildNotification(baseFields());
    delete withoutNotifyId.notify_id;
    const cases = [
      '',
      'garbage',
      encode(withoutNotifyId),
      `${signedBody()}&out_trade_no=ORD_2`,
      signedBody({ total_amount: '12.345' }),
      signedBody({ gmt_payment: '2026-11-27T10:00:04' }),
    ];
    for (const body of cases) {
      expect(rejection(input(body))).toMatchObject({ reason: 'MALFORMED' });
    }
  });

  it('rejects a sign_type other than RSA2', () => {
    expect(rejection(input(signedBody({ sign_type: 'RSA' })))).toMatchObject({ reason: 'UNSUPPORTED_SIGN_TYPE' });
  });

  it('answers in Alipay format', () => {
    expect(verifier.acknowledge()).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' });
    const reject = verifier.reject('BAD_SIGNATURE');
    expect(reject.status).toBeGreaterThanOrEqual(400);
    expect(reject.status).toBeLessThan(500);
    expect(reject.body).not.toBe('success');
  });
});

describe('AlipayNotificationVerifier configuration', () => {
  it('fails at construction on a bad public key, without echoing it', () => {
    const secret = keys.alipay.publicKeyBase64.slice(0, 200);
    let error: unknown;
    try {
      new AlipayNotificationVerifier({ appId: APP_ID, sellerId: SELLER_ID, alipayPublicKey: secret });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'PROVIDER_KEY_INVALID' });
    expect((error as Error).message).not.toContain(secret.slice(40, 80));
  });

  it('requires appId and sellerId', () => {
    const alipayPublicKey = keys.alipay.publicKey;
    expect(() => new AlipayNotificationVerifier({ appId: '', sellerId: SELLER_ID, alipayPublicKey })).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new AlipayNotificationVerifier({ appId: APP_ID, sellerId: ' ', alipayPublicKey })).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
  });
});
