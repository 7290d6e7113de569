import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { type AlipayKeys, AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import { AlipayAdapter } from './alipay.adapter';
import { rsa2Sign, verifyAlipayRequest } from './alipay-signer';

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');

let keys: AlipayKeys;
let signer: AlipaySimulator; // used offline, only to sign notifications the way Alipay does
let adapter: AlipayAdapter;

beforeAll(async () => {
  keys = await generateAlipayKeys();
  signer = new AlipaySimulator({
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKey,
  });
  adapter = new AlipayAdapter(
    {
      appId: APP_ID,
      sellerId: SELLER_ID,
      privateKey: keys.app.privateKeyPkcs1Base64,
      alipayPublicKey: keys.alipay.publicKeyBase64,
      gatewayUrl: 'http://127.0.0.1:9/gateway.do',
    },
    { now: () => NOW },
  );
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
const input = (rawBody: string, ...type: [string | undefined] | []) => ({
  rawBody,
  contentType: type.length === 0 ? FORM : type[0],
  headers: {},
});
const signedBody = (overrides: Record<string, string> = {}, key?: string): string =>
  encode(signer.buildNotification(baseFields(overrides), key));

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('AlipayAdapter.verifyNotification', () => {
  it('accepts an Alipay-signed notification and maps it', () => {
    const n = adapter.verifyNotification(input(signedBody()));
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
    expect(adapter.verifyNotification(input(signedBody({ trade_status: tradeStatus }))).kind).toBe(kind);
  });

  it('keeps "+", "%" and "&" in values: the form is decoded exactly once', () => {
    const subject = 'A+B 100% off & more=yes %2B 中文';
    const n = adapter.verifyNotification(input(signedBody({ subject })));
    expect(n.fields.subject).toBe(subject);
  });

  it('fails the signature when any signed field is changed after signing', () => {
    const signed = signer.buildNotification(baseFields());
    for (const key of Object.keys(signed).filter((k) => k !== 'sign' && k !== 'sign_type')) {
      const changed = key === 'charset' ? 'UTF-8 ' : `${signed[key]}x`;
      const error = rejection(() => adapter.verifyNotification(input(encode({ ...signed, [key]: changed }))));
      expect(error).toMatchObject({ reason: key === 'charset' ? 'MALFORMED' : 'BAD_SIGNATURE' });
    }
    const dropped = { ...signed };
    delete dropped.receipt_amount;
    expect(rejection(() => adapter.verifyNotification(input(encode(dropped))))).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
    const added = { ...signed, refund_fee: '1.00' };
    expect(rejection(() => adapter.verifyNotification(input(encode(added))))).toMatchObject({
      reason: 'BAD_SIGNATURE',
    });
  });

  it('fails the signature for a notification signed with another key', () => {
    const body = signedBody({}, keys.app.privateKeyPkcs8Pem);
    expect(rejection(() => adapter.verifyNotification(input(body)))).toMatchObject({
      code: 'PROVIDER_NOTIFICATION_REJECTED',
      reason: 'BAD_SIGNATURE',
    });
  });

  it('rejects validly signed notifications for another app or seller', () => {
    expect(
      rejection(() => adapter.verifyNotification(input(signedBody({ app_id: '2021000000000999' })))),
    ).toMatchObject({
      reason: 'FOREIGN_APP_ID',
    });
    expect(
      rejection(() => adapter.verifyNotification(input(signedBody({ seller_id: '2088000000000999' })))),
    ).toMatchObject({
      reason: 'FOREIGN_SELLER_ID',
    });
  });

  it('accepts only application/x-www-form-urlencoded', () => {
    expect(adapter.verifyNotification(input(signedBody(), 'Application/X-WWW-Form-Urlencoded')).kind).toBe(
      'payment-succeeded',
    );
    for (const type of [undefined, 'application/json', 'text/plain', 'multipart/form-data']) {
      expect(rejection(() => adapter.verifyNotification(input(signedBody(), type)))).toMatchObject({
        reason: 'UNSUPPORTED_CONTENT_TYPE',
      });
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
      expect(rejection(() => adapter.verifyNotification(input(body)))).toMatchObject({ reason: 'MALFORMED' });
    }
  });

  it('rejects a sign_type other than RSA2', () => {
    expect(rejection(() => adapter.verifyNotification(input(signedBody({ sign_type: 'RSA' }))))).toMatchObject({
      reason: 'UNSUPPORTED_SIGN_TYPE',
    });
  });

  it('answers in Alipay format', () => {
    expect(adapter.ackResponse()).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' });
    const reject = adapter.rejectResponse('BAD_SIGNATURE');
    expect(reject.status).toBeGreaterThanOrEqual(400);
    expect(reject.status).toBeLessThan(500);
    expect(reject.body).not.toBe('success');
  });
});

describe('AlipayAdapter.createPayment', () => {
  const request = {
    orderNo: 'ORD_1001',
    amount: Money.of(1230, 'CNY'),
    subject: 'Order 1001 A+B 100%',
    notifyUrl: 'https://shop.example/notify/alipay',
  };

  it('builds a signed alipay.trade.page.pay URL with a China-time timestamp and no network call', async () => {
    const result = await adapter.createPayment({ ...request, method: 'page', timeoutExpress: '15m' });
    expect(result.kind).toBe('redirect');
    const url = new URL((result as { redirectUrl: string }).redirectUrl);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:9/gateway.do');
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      app_id: APP_ID,
      method: 'alipay.trade.page.pay',
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: '2026-11-27 10:00:00',
      version: '1.0',
      notify_url: 'https://shop.example/notify/alipay',
    });
    expect(JSON.parse(params.biz_content)).toEqual({
      out_trade_no: 'ORD_1001',
      total_amount: '12.30',
      subject: 'Order 1001 A+B 100%',
      timeout_express: '15m',
      product_code: 'FAST_INSTANT_TRADE_PAY',
    });
    expect(verifyAlipayRequest(params, keys.app.publicKey)).toBe(true);
  });

  it('refuses invalid order numbers and non-CNY amounts before signing anything', async () => {
    await expect(adapter.createPayment({ ...request, method: 'qr', orderNo: 'ORD-1' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(
      adapter.createPayment({ ...request, method: 'qr', amount: Money.of(1230, 'USD') }),
    ).rejects.toMatchObject({
      code: 'MONEY_UNSUPPORTED_CURRENCY',
    });
  });

  describe('qr via alipay.trade.precreate against a scripted gateway', () => {
    let server: Server;
    let gatewayUrl: string;
    let reply: (req: IncomingMessage, body: string, res: ServerResponse) => void;
    let seen: { url: string; contentType: string | undefined; body: string } | undefined;

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          seen = { url: req.url ?? '', contentType: req.headers['content-type'], body };
          reply(req, body, res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    const qrAdapter = (timeoutMs = 2000): AlipayAdapter =>
      new AlipayAdapter(
        {
          appId: APP_ID,
          sellerId: SELLER_ID,
          privateKey: keys.app.privateKeyPkcs8Pem,
          alipayPublicKey: keys.alipay.publicKeyPem,
          gatewayUrl,
        },
        { now: () => NOW, timeoutMs },
      );
    const answer =
      (responseText: string, sign: string | undefined) =>
      (_req: IncomingMessage, _body: string, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
        res.end(`{"alipay_trade_precreate_response":${responseText}${sign === undefined ? '' : `,"sign":"${sign}"`}}`);
      };
    const ok =
      '{"code":"10000","msg":"Success","out_trade_no":"ORD_1001","qr_code":"https:\\/\\/qr.alipay.com\\/bax0abc"}';

    it('posts the signed request as the SDK does and returns the verified qr_code', async () => {
      reply = answer(ok, rsa2Sign(ok, keys.alipay.privateKey));
      await expect(qrAdapter().createPayment({ ...request, method: 'qr' })).resolves.toEqual({
        kind: 'qr',
        qrCode: 'https://qr.alipay.com/bax0abc',
      });
      const url = new URL(seen!.url, 'http://x');
      expect(url.searchParams.get('charset')).toBe('utf-8');
      expect(url.searchParams.get('method')).toBe('alipay.trade.precreate');
      expect(seen!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      const params = {
        ...Object.fromEntries(url.searchParams),
        ...Object.fromEntries(new URLSearchParams(seen!.body)),
      };
      expect(JSON.parse(params.biz_content)).toEqual({
        out_trade_no: 'ORD_1001',
        total_amount: '12.30',
        subject: 'Order 1001 A+B 100%',
      });
      expect(verifyAlipayRequest(params, keys.app.publicKey)).toBe(true);
    });

    it('refuses an unsigned, a forged and a modified answer', async () => {
      for (const [text, sign] of [
        [ok, undefined],
        [ok, rsa2Sign(ok, keys.app.privateKey)],
        [ok.replace('bax0abc', 'bax0evil'), rsa2Sign(ok, keys.alipay.privateKey)],
      ] as const) {
        reply = answer(text, sign);
        await expect(qrAdapter().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
          code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
        });
      }
    });

    it('reports a signed business failure with its codes', async () => {
      const failed = '{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_HAS_SUCCESS","sub_msg":"paid"}';
      reply = answer(failed, rsa2Sign(failed, keys.alipay.privateKey));
      await expect(qrAdapter().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_REJECTED',
        details: { code: '40004', subCode: 'ACQ.TRADE_HAS_SUCCESS' },
      });
    });

    it('refuses a verified answer for another order', async () => {
      const other = ok.replace('ORD_1001', 'ORD_9999');
      reply = answer(other, rsa2Sign(other, keys.alipay.privateKey));
      await expect(qrAdapter().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_ANSWER_INVALID',
      });
    });

    it('maps HTTP errors, timeouts and unreachable gateways to coded errors', async () => {
      reply = (_req, _body, res) => {
        res.writeHead(502);
        res.end('bad gateway');
      };
      await expect(qrAdapter().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
      });
      reply = () => undefined; // never answers
      await expect(qrAdapter(200).createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_TIMEOUT',
      });
      const unreachable = new AlipayAdapter(
        {
          appId: APP_ID,
          sellerId: SELLER_ID,
          privateKey: keys.app.privateKey,
          alipayPublicKey: keys.alipay.publicKey,
          gatewayUrl: 'http://127.0.0.1:9/gateway.do',
        },
        { timeoutMs: 2000 },
      );
      await expect(unreachable.createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
      });
    });
  });
});

describe('AlipayAdapter configuration', () => {
  it('fails at construction on a bad key, without echoing it', () => {
    const secret = keys.app.privateKeyPkcs8Base64.slice(0, 300);
    const error = rejection(
      () =>
        new AlipayAdapter({
          appId: APP_ID,
          sellerId: SELLER_ID,
          privateKey: secret,
          alipayPublicKey: keys.alipay.publicKeyBase64,
          gatewayUrl: 'http://x',
        }),
    );
    expect(error).toMatchObject({ code: 'PROVIDER_KEY_INVALID' });
    expect((error as Error).message).not.toContain(secret.slice(40, 80));
  });

  it('requires appId, sellerId and gatewayUrl', () => {
    expect(
      rejection(
        () =>
          new AlipayAdapter({
            appId: '',
            sellerId: SELLER_ID,
            privateKey: keys.app.privateKey,
            alipayPublicKey: keys.alipay.publicKey,
            gatewayUrl: 'http://x',
          }),
      ),
    ).toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
  });
});
