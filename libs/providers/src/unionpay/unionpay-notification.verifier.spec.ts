import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { Money } from '@shop/money';
// Relative until @shop/provider-simulators exports the UnionPay pieces (its index.ts is not ours to edit yet).
import {
  type IssuedCertificate,
  type UnionPayCertificates,
  generateUnionPayCertificates,
  makeExpiredLeaf,
  makeForeignCaLeaf,
  makeWrongCnLeaf,
} from '../../../provider-simulators/src/unionpay/unionpay-certs';
import { acpSign } from '../../../provider-simulators/src/unionpay/unionpay-signature';
import type { NotificationInput, VerifiedNotification } from '../notification-verifier';
import { ProviderError } from '../provider-error';
import { UnionPayNotificationVerifier } from './unionpay-notification.verifier';
import { UnionPayCertVerifier } from './unionpay-certs';

const MER_ID = '777290058110048';
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';

let certs: UnionPayCertificates;
let variants: Record<'wrong-cn' | 'expired' | 'foreign-ca', IssuedCertificate>;
let verifier: UnionPayNotificationVerifier;

beforeAll(async () => {
  certs = await generateUnionPayCertificates();
  const [wrongCn, expired, foreignCa] = await Promise.all([
    makeWrongCnLeaf(certs),
    makeExpiredLeaf(certs),
    makeForeignCaLeaf(certs),
  ]);
  variants = { 'wrong-cn': wrongCn, expired, 'foreign-ca': foreignCa };
  verifier = new UnionPayNotificationVerifier({
    merId: MER_ID,
    rootCert: certs.root.certPem,
    middleCert: certs.middle.certPem,
  });
}, 60_000);

function notificationFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    accessType: '0',
    bizType: '000201',
    certId: certs.sign.certId,
    currencyCode: '156',
    encoding: 'UTF-8',
    merId: MER_ID,
    orderId: 'ORD20261127001',
    queryId: '261127100000123456789',
    reqReserved: 'A+B 100% 测试&x=y',
    respCode: '00',
    respMsg: '成功[0000000]',
    settleAmt: '1230',
    settleCurrencyCode: '156',
    settleDate: '1127',
    signMethod: '01',
    signPubKeyCert: certs.sign.certPem,
    traceNo: '123456',
    traceTime: '1127100207',
    txnAmt: '1230',
    txnSubType: '01',
    txnTime: '20261127100000',
    txnType: '01',
    version: '5.1.0',
    ...overrides,
  };
}

/** Signed the way UnionPay signs (by the simulator's independent code), with `leaf`'s key and certificate. */
function signed(overrides: Record<string, string> = {}, leaf: IssuedCertificate = certs.sign): Record<string, string> {
  const fields = notificationFields({ signPubKeyCert: leaf.certPem, certId: leaf.certId, ...overrides });
  return { ...fields, signature: acpSign(fields, leaf.privateKey) };
}

const input = (fields: Record<string, string>, contentType: string | undefined = FORM): NotificationInput => ({
  rawBody: new URLSearchParams(fields).toString(),
  contentType,
  headers: {},
});

function accepted(notification: NotificationInput, by = verifier): VerifiedNotification {
  const verdict = by.verify(notification);
  if (!verdict.ok) throw new Error(`expected the notification to verify, got ${verdict.reason}`);
  return verdict.notification;
}

function reasonOf(notification: NotificationInput, by = verifier): string {
  const verdict = by.verify(notification);
  if (verdict.ok) throw new Error('expected a rejection');
  return verdict.reason;
}

describe('UnionPayNotificationVerifier.verify', () => {
  it('accepts a genuine notification and maps it; "+", "%", "&" and Chinese survive', () => {
    const fields = signed();
    const verified = accepted(input(fields));
    expect(verified).toMatchObject({
      provider: 'unionpay',
      notificationKey: '261127100000123456789',
      providerTransactionId: '261127100000123456789',
      kind: 'payment-succeeded',
      orderNo: 'ORD20261127001',
      tradeStatus: '00',
      paidAt: new Date('2026-11-27T02:02:07Z'),
    });
    expect(verified.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(verified.fields.reqReserved).toBe('A+B 100% 测试&x=y');
    expect(verified.fields.signature).toBe(fields.signature);
  });

  it('treats A6 as paid and other respCodes as "other"; falls back to txnTime without traceTime', () => {
    const { traceTime: _t, ...noTrace } = notificationFields({ respCode: 'A6' });
    const a6 = accepted(input({ ...noTrace, signature: acpSign(noTrace, certs.sign.privateKey) }));
    expect(a6.kind).toBe('payment-succeeded');
    expect(a6.paidAt).toEqual(new Date('2026-11-27T02:00:00Z'));
    const failed = accepted(input(signed({ respCode: '61' })));
    expect(failed.kind).toBe('other');
    expect(failed.paidAt).toBeUndefined();
  });

  it.each([
    ['a refund', { txnType: '04', txnSubType: '00' }],
    ['a consume cancellation', { txnType: '31', txnSubType: '00' }],
    ['a pre-authorisation', { txnType: '02', txnSubType: '01' }],
    ['a consume of another business type', { bizType: '000301' }],
    ['a notification without txnType', { txnType: '' }],
  ])('never reads %s notification (signed, respCode 00) as a payment', (_name, overrides) => {
    const fields = notificationFields(overrides);
    for (const key of Object.keys(fields)) if (fields[key] === '') delete fields[key];
    const verified = accepted(input({ ...fields, signature: acpSign(fields, certs.sign.privateKey) }));
    // A refund is named by its own orderId (our refund key); none of them is ever a payment.
    if (fields.txnType === '04') expect(verified).toMatchObject({ kind: 'refund', refundNo: fields.orderId });
    else expect(verified.kind).toBe('other');
    expect(verified.paidAt).toBeUndefined();
  });

  it('refuses a leaf that does not chain to the configured root (a second, self-made CA)', () => {
    expect(reasonOf(input(signed({}, variants['foreign-ca'])))).toBe('CERT_UNTRUSTED');
  });

  it('refuses a middle-issued leaf with the wrong CN', () => {
    expect(reasonOf(input(signed({}, variants['wrong-cn'])))).toBe('CERT_WRONG_CN');
  });

  it('refuses an expired leaf', () => {
    expect(reasonOf(input(signed({}, variants.expired)))).toBe('CERT_EXPIRED');
  });

  it('refuses the CA certificates themselves as signPubKeyCert', () => {
    expect(reasonOf(input(signed({}, certs.middle)))).toBe('CERT_UNTRUSTED');
    expect(reasonOf(input(signed({}, certs.root)))).toBe('CERT_UNTRUSTED');
  });

  it('refuses a field changed after signing, signPubKeyCert and certId included', () => {
    const fields = signed();
    for (const tamper of <Array<Record<string, string>>>[
      { txnAmt: '1' },
      { orderId: 'ORD20261127999' },
      { reqReserved: 'A B 100% 测试&x=y' },
      { certId: '1' },
      { signPubKeyCert: `${certs.sign.certPem}\n` },
    ]) {
      expect(reasonOf(input({ ...fields, ...tamper }))).toBe('BAD_SIGNATURE');
    }
  });

  it('refuses a signature made by another key under the genuine certificate', () => {
    const fields = notificationFields();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(reasonOf(input({ ...fields, signature: acpSign(fields, other) }))).toBe('BAD_SIGNATURE');
  });

  it('refuses a foreign merId, but only after the signature', () => {
    expect(reasonOf(input(signed({ merId: '898000000000001' })))).toBe('FOREIGN_MER_ID');
  });

  it('refuses what is not a form, lacks fields, repeats fields or uses another signMethod', () => {
    expect(reasonOf(input(signed(), 'application/json'))).toBe('UNSUPPORTED_CONTENT_TYPE');
    const { queryId: _q, ...noQueryId } = signed();
    expect(reasonOf(input(noQueryId))).toBe('MALFORMED');
    const body = `${new URLSearchParams(signed()).toString()}&txnAmt=1`;
    expect(reasonOf({ rawBody: body, contentType: FORM, headers: {} })).toBe('MALFORMED');
    expect(reasonOf(input(signed({ signMethod: '02' })))).toBe('UNSUPPORTED_SIGN_TYPE');
    expect(reasonOf(input(signed({ signPubKeyCert: 'not a cert' })))).toBe('MALFORMED');
    expect(reasonOf(input(signed({ currencyCode: '840' })))).toBe('MALFORMED');
  });

  it('answers 200 "ok" to ack, 400 "fail" to a refusal and 500 to our own failure', () => {
    expect(verifier.acknowledge()).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' });
    expect(verifier.reject('BAD_SIGNATURE')).toMatchObject({ status: 400, body: 'fail' });
    expect(verifier.reject('CERT_UNTRUSTED')).toMatchObject({ status: 400, body: 'fail' });
    expect(verifier.reject('INTERNAL_ERROR')).toMatchObject({ status: 500, body: 'fail' });
  });
});

describe('UnionPayNotificationVerifier built from merId and the trust anchors alone', () => {
  let trustOnly: UnionPayNotificationVerifier;

  beforeAll(() => {
    trustOnly = new UnionPayNotificationVerifier({
      merId: MER_ID,
      rootCert: certs.root.certPem,
      middleCert: certs.middle.certPem,
    });
  });

  it('verifies notifications from merId and the trust anchors alone', () => {
    const fields = signed();
    expect(accepted(input(fields), trustOnly).kind).toBe('payment-succeeded');
    expect(reasonOf(input(signed({}, variants['foreign-ca'])), trustOnly)).toBe('CERT_UNTRUSTED');
    expect(reasonOf(input(signed({ merId: '777290058110049' })), trustOnly)).toBe('FOREIGN_MER_ID');
  });

  it('has no way to sign a consume form or a query', () => {
    expect('createPayment' in trustOnly).toBe(false);
    expect('queryPayment' in trustOnly).toBe(false);
  });

  it('still requires merId and valid trust anchors', () => {
    const trust = { rootCert: certs.root.certPem, middleCert: certs.middle.certPem };
    expect(() => new UnionPayNotificationVerifier({ merId: '', ...trust })).toThrow(/merId is required/);
    expect(() => new UnionPayNotificationVerifier({ merId: MER_ID, ...trust, middleCert: '' })).toThrow(
      /middleCert is required/,
    );
    expect(() => new UnionPayNotificationVerifier({ merId: MER_ID, ...trust, middleCert: certs.sign.certPem })).toThrow(
      ProviderError,
    );
  });
});

describe('UnionPayCertVerifier', () => {
  it('judges validity at the given instant and honours a configured CN name', () => {
    const verifier = new UnionPayCertVerifier(certs.root.certPem, certs.middle.certPem);
    const leaf = new X509Certificate(certs.sign.certPem);
    expect(verifier.verify(certs.sign.certPem, new Date()).ok).toBe(true);
    expect(verifier.verify(certs.sign.certPem, new Date(leaf.validFromDate.getTime() - 1000))).toMatchObject({
      ok: false,
      reason: 'CERT_EXPIRED',
    });
    expect(verifier.verify(certs.sign.certPem, new Date(leaf.validToDate.getTime() + 1000))).toMatchObject({
      ok: false,
      reason: 'CERT_EXPIRED',
    });
    const testEnv = new UnionPayCertVerifier(certs.root.certPem, certs.middle.certPem, '00040000:SIGN');
    expect(testEnv.verify(certs.sign.certPem, new Date())).toMatchObject({ ok: false, reason: 'CERT_WRONG_CN' });
  });
});
