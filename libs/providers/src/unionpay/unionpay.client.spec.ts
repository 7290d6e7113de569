import { X509Certificate } from 'node:crypto';
import { Money } from '@shop/money';
// Relative until @shop/provider-simulators exports the UnionPay pieces (its index.ts is not ours to edit yet).
import {
  type UnionPayCertificates,
  generateUnionPayCertificates,
} from '../../../provider-simulators/src/unionpay/unionpay-certs';
import { ProviderError } from '../provider-error';
import { UnionPayClient } from './unionpay.client';
import type { UnionPayClientConfig } from './unionpay.config';
import { verifyUnionPayFields } from './unionpay-signer';

const MER_ID = '777290058110048';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');

let certs: UnionPayCertificates;
let client: UnionPayClient;
let config: UnionPayClientConfig;

beforeAll(async () => {
  certs = await generateUnionPayCertificates();
  config = {
    merId: MER_ID,
    signPrivateKey: certs.merchant.privateKeyPem,
    signCertId: certs.merchant.certId,
    rootCert: certs.root.certPem,
    middleCert: certs.middle.certPem,
    gatewayUrl: 'http://127.0.0.1:9/gateway/api/',
    frontUrl: 'https://shop.example/pay/return',
  };
  client = new UnionPayClient(config);
}, 60_000);

describe('UnionPayClient.createPayment', () => {
  it('returns the signed consume form for frontTransReq.do, in China time', async () => {
    const at = new UnionPayClient({ ...config, now: () => NOW });
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

  it('writes the deadline as payTimeout in China time, and refuses bad requests', async () => {
    const at = new UnionPayClient({ ...config, now: () => NOW });
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
    expect((await fieldsOf({ expiresAt: new Date(NOW.getTime() + 2 * 3600_000) })).payTimeout).toBe('20261127120000');
    expect((await fieldsOf({ expiresAt: new Date('2026-11-27T02:30:00Z') })).payTimeout).toBe('20261127103000');
    const code = (extra: object) =>
      at.createPayment({ ...request, ...extra }).then(
        () => 'ok',
        (error: ProviderError) => error.code,
      );
    await expect(code({ orderNo: 'ORD-2026-1127' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ orderNo: 'SHORT' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ notifyUrl: 'https://shop.example/notify?x=1' })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ expiresAt: new Date('2026-11-27T01:59:59Z') })).resolves.toBe('PROVIDER_REQUEST_INVALID');
    await expect(code({ method: 'qr' })).resolves.toBe('PROVIDER_METHOD_UNSUPPORTED');
    await expect(code({ amount: Money.of(100, 'USD') })).resolves.toBe('PROVIDER_REQUEST_INVALID');
  });

  it('refuses a configuration whose middle certificate is not issued by the root', () => {
    expect(() => new UnionPayClient({ ...config, middleCert: certs.sign.certPem })).toThrow(ProviderError);
    expect(() => new UnionPayClient({ ...config, rootCert: certs.middle.certPem })).toThrow(/self-signed/);
    expect(() => new UnionPayClient({ ...config, signCertId: '0x1f' })).toThrow(/decimal/);
  });

  it('has no close call: an unpaid consume only expires at payTimeout, which a query confirms', () => {
    expect((client as { closePayment?: unknown }).closePayment).toBeUndefined();
  });
});

describe('UnionPayClient configuration', () => {
  it('requires the signing key, merId and valid trust anchors', () => {
    expect(() => new UnionPayClient({ ...config, signPrivateKey: '' })).toThrow(
      expect.objectContaining({ code: 'PROVIDER_KEY_INVALID' }),
    );
    expect(() => new UnionPayClient({ ...config, merId: '' })).toThrow(/merId is required/);
    expect(() => new UnionPayClient({ ...config, middleCert: '' })).toThrow(/middleCert is required/);
  });
});
