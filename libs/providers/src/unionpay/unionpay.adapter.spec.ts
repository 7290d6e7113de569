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
import { NotificationRejectedError } from '../notification-rejected.error';
import { ProviderError } from '../provider-error';
import { UnionPayAdapter } from './unionpay.adapter';
import type { UnionPayConfig } from './unionpay.config';
import { UnionPayCertVerifier } from './unionpay-certs';
import { verifyUnionPayFields } from './unionpay-signer';

const MER_ID = '777290058110048';
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');

let certs: UnionPayCertificates;
let variants: Record<'wrong-cn' | 'expired' | 'foreign-ca', IssuedCertificate>;
let adapter: UnionPayAdapter;
let config: UnionPayConfig;

beforeAll(async () => {
  certs = await generateUnionPayCertificates();
  const [wrongCn, expired, foreignCa] = await Promise.all([
    makeWrongCnLeaf(certs),
    makeExpiredLeaf(certs),
    makeForeignCaLeaf(certs),
  ]);
  variants = { 'wrong-cn': wrongCn, expired, 'foreign-ca': foreignCa };
  config = {
    merId: MER_ID,
    signPrivateKey: certs.merchant.privateKeyPem,
    signCertId: certs.merchant.certId,
    rootCert: certs.root.certPem,
    middleCert: certs.middle.certPem,
    gatewayUrl: 'http://127.0.0.1:9/gateway/api/',
    frontUrl: 'https://shop.example/pay/return',
  };
  adapter = new UnionPayAdapter(config);
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

const input = (fields: Record<string, string>, contentType: string | undefined = FORM) => ({
  rawBody: new URLSearchParams(fields).toString(),
  contentType,
  headers: {},
});

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof NotificationRejectedError) return error.reason;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('UnionPayAdapter.createPayment', () => {
  it('returns the signed consume form for frontTransReq.do, in China time', async () => {
    const at = new UnionPayAdapter({ ...config, now: () => NOW });
    const result = await at.createPayment({
      orderNo: 'ORD20261127001',
      amount: Money.of(1230, 'CNY'),
      subject: 'A+B 100% 测试',
      method: 'page',
      notifyUrl: 'https://shop.example/notify/unionpay',
    });
    expect(result.kind).toBe('form');
    if (result.kind !== 'form') return;
    expect(result.action).toBe('http://127.0.0.1:9/gateway/api/frontTransReq.do');
    const { signature, ...rest } = result.fields;
    expect(rest).toEqual({
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      txnType: '01',
      txnSubType: '01',
      bizType: '000201',
      channelType: '07',
      accessType: '0',
      merId: MER_ID,
      certId: certs.merchant.certId,
      orderId: 'ORD20261127001',
      txnTime: '20261127100000',
      txnAmt: '1230',
      currencyCode: '156',
      frontUrl: 'https://shop.example/pay/return',
      backUrl: 'https://shop.example/notify/unionpay',
      payTimeout: '20261127101500',
      reqReserved: 'A+B 100% 测试',
    });
    expect(verifyUnionPayFields(result.fields, new X509Certificate(certs.merchant.certPem).publicKey)).toBe(true);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('takes payTimeout as an absolute China time or relative, and refuses bad requests', async () => {
    const at = new UnionPayAdapter({ ...config, now: () => NOW });
    const request = {
      orderNo: 'ORD20261127002',
      amount: Money.of(1, 'CNY'),
      subject: 'x',
      method: 'page' as const,
      notifyUrl: 'https://shop.example/notify/unionpay',
    };
    const fieldsOf = async (extra: object) => {
      const result = await at.createPayment({ ...request, ...extra });
      return result.kind === 'form' ? result.fields : {};
    };
    expect((await fieldsOf({ timeoutExpress: '2h' })).payTimeout).toBe('20261127120000');
    expect((await fieldsOf({ timeoutExpress: '20261127103000' })).payTimeout).toBe('20261127103000');
    const code = (extra: object) =>
      at.createPayment({ ...request, ...extra }).then(
        () => 'ok',
        (error: ProviderError) => error.code,
      );
    await expect(code({ orderNo: 'ORD-2026-1127' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ orderNo: 'SHORT' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ notifyUrl: 'https://shop.example/notify?x=1' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ timeoutExpress: '20261127095959' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ method: 'qr' })).resolves.toBe('PROVIDER_METHOD_UNSUPPORTED');
    await expect(code({ amount: Money.of(100, 'USD') })).resolves.toBe('PROVIDER_REQUEST_INVALID');
  });

  it('refuses a configuration whose middle certificate is not issued by the root', () => {
    expect(() => new UnionPayAdapter({ ...config, middleCert: certs.sign.certPem })).toThrow(ProviderError);
    expect(() => new UnionPayAdapter({ ...config, rootCert: certs.middle.certPem })).toThrow(/self-signed/);
    expect(() => new UnionPayAdapter({ ...config, signCertId: '0x1f' })).toThrow(/decimal/);
  });

  it('has no close call: an unpaid consume only expires at payTimeout, which a query confirms', () => {
    expect((adapter as { closePayment?: unknown }).closePayment).toBeUndefined();
  });
});

describe('UnionPayAdapter.verifyNotification', () => {
  it('accepts a genuine notification and maps it; "+", "%", "&" and Chinese survive', () => {
    const fields = signed();
    const verified = adapter.verifyNotification(input(fields));
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
    const a6 = adapter.verifyNotification(input({ ...noTrace, signature: acpSign(noTrace, certs.sign.privateKey) }));
    expect(a6.kind).toBe('payment-succeeded');
    expect(a6.paidAt).toEqual(new Date('2026-11-27T02:00:00Z'));
    const failed = adapter.verifyNotification(input(signed({ respCode: '61' })));
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
    const verified = adapter.verifyNotification(
      input({ ...fields, signature: acpSign(fields, certs.sign.privateKey) }),
    );
    expect(verified.kind).toBe('other');
    expect(verified.paidAt).toBeUndefined();
  });

  it('refuses a leaf that does not chain to the configured root (a second, self-made CA)', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed({}, variants['foreign-ca']))))).toBe(
      'CERT_UNTRUSTED',
    );
  });

  it('refuses a middle-issued leaf with the wrong CN', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed({}, variants['wrong-cn']))))).toBe('CERT_WRONG_CN');
  });

  it('refuses an expired leaf', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed({}, variants.expired))))).toBe('CERT_EXPIRED');
  });

  it('refuses the CA certificates themselves as signPubKeyCert', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed({}, certs.middle))))).toBe('CERT_UNTRUSTED');
    expect(reasonOf(() => adapter.verifyNotification(input(signed({}, certs.root))))).toBe('CERT_UNTRUSTED');
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
      expect(reasonOf(() => adapter.verifyNotification(input({ ...fields, ...tamper })))).toBe('BAD_SIGNATURE');
    }
  });

  it('refuses a signature made by another key under the genuine certificate', () => {
    const fields = notificationFields();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(reasonOf(() => adapter.verifyNotification(input({ ...fields, signature: acpSign(fields, other) })))).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('refuses a foreign merId, but only after the signature', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed({ merId: '898000000000001' }))))).toBe(
      'FOREIGN_MER_ID',
    );
  });

  it('refuses what is not a form, lacks fields, repeats fields or uses another signMethod', () => {
    expect(reasonOf(() => adapter.verifyNotification(input(signed(), 'application/json')))).toBe(
      'UNSUPPORTED_CONTENT_TYPE',
    );
    const { queryId: _q, ...noQueryId } = signed();
    expect(reasonOf(() => adapter.verifyNotification(input(noQueryId)))).toBe('MALFORMED');
    const body = `${new URLSearchParams(signed()).toString()}&txnAmt=1`;
    expect(reasonOf(() => adapter.verifyNotification({ rawBody: body, contentType: FORM, headers: {} }))).toBe(
      'MALFORMED',
    );
    expect(reasonOf(() => adapter.verifyNotification(input(signed({ signMethod: '02' }))))).toBe(
      'UNSUPPORTED_SIGN_TYPE',
    );
    expect(reasonOf(() => adapter.verifyNotification(input(signed({ signPubKeyCert: 'not a cert' }))))).toBe(
      'MALFORMED',
    );
    expect(reasonOf(() => adapter.verifyNotification(input(signed({ currencyCode: '840' }))))).toBe('MALFORMED');
  });

  it('answers 200 "ok" to ack, 400 "fail" to a refusal and 500 to our own failure', () => {
    expect(adapter.ackResponse()).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' });
    expect(adapter.rejectResponse('BAD_SIGNATURE')).toMatchObject({ status: 400, body: 'fail' });
    expect(adapter.rejectResponse('CERT_UNTRUSTED')).toMatchObject({ status: 400, body: 'fail' });
    expect(adapter.rejectResponse('INTERNAL_ERROR')).toMatchObject({ status: 500, body: 'fail' });
  });
});

describe('UnionPayAdapter in verify-only mode (no signing key)', () => {
  let verifyOnly: UnionPayAdapter;

  beforeAll(() => {
    verifyOnly = new UnionPayAdapter({ merId: MER_ID, rootCert: certs.root.certPem, middleCert: certs.middle.certPem });
  });

  it('verifies notifications exactly as a full adapter does', () => {
    const fields = signed();
    expect(verifyOnly.verifyNotification(input(fields))).toEqual(adapter.verifyNotification(input(fields)));
    expect(reasonOf(() => verifyOnly.verifyNotification(input(signed({}, variants['foreign-ca']))))).toBe(
      'CERT_UNTRUSTED',
    );
    expect(reasonOf(() => verifyOnly.verifyNotification(input(signed({ merId: '777290058110049' }))))).toBe(
      'FOREIGN_MER_ID',
    );
  });

  it('refuses to sign a consume form or a query, with PROVIDER_CONFIG_INVALID', async () => {
    const request = {
      orderNo: 'ORD20261127001',
      amount: Money.of(1230, 'CNY'),
      subject: 'tea',
      method: 'page' as const,
      notifyUrl: 'https://shop.example/notify/unionpay',
    };
    await expect(verifyOnly.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
    await expect(verifyOnly.queryPayment('ORD20261127001', { txnTime: '20261127100000' })).rejects.toMatchObject({
      code: 'PROVIDER_CONFIG_INVALID',
    });
  });

  it('still requires merId and valid trust anchors', () => {
    const trust = { rootCert: certs.root.certPem, middleCert: certs.middle.certPem };
    expect(() => new UnionPayAdapter({ merId: '', ...trust })).toThrow(/merId is required/);
    expect(() => new UnionPayAdapter({ merId: MER_ID, ...trust, middleCert: '' })).toThrow(/middleCert is required/);
    expect(() => new UnionPayAdapter({ merId: MER_ID, ...trust, middleCert: certs.sign.certPem })).toThrow(
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
