import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { type AlipayKeys, generateAlipayKeys } from '@shop/provider-simulators';
import { AlipayClient } from './alipay.client';
import { rsa2Sign, verifyAlipayRequest } from './alipay-signer';

const APP_ID = '2021000000000001';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');

let keys: AlipayKeys;
let client: AlipayClient;

beforeAll(async () => {
  keys = await generateAlipayKeys();
  client = new AlipayClient(
    {
      appId: APP_ID,
      privateKey: keys.app.privateKeyPkcs1Base64,
      alipayPublicKey: keys.alipay.publicKeyBase64,
      gatewayUrl: 'http://127.0.0.1:9/gateway.do',
    },
    { now: () => NOW },
  );
});

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('AlipayClient.createPayment', () => {
  const request = {
    orderNo: 'ORD_1001',
    amount: Money.of(1230, 'CNY'),
    subject: 'Order 1001 A+B 100%',
    notifyUrl: 'https://shop.example/notify/alipay',
  };

  it('builds a signed alipay.trade.page.pay URL with a China-time timestamp and no network call', async () => {
    const result = await client.createPayment({
      ...request,
      method: 'page',
      expiresAt: new Date(NOW.getTime() + 15 * 60_000),
    });
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
    await expect(client.createPayment({ ...request, method: 'qr', orderNo: 'ORD-1' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(
      client.createPayment({ ...request, method: 'qr', amount: Money.of(1230, 'USD') }),
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

    const qrClient = (timeoutMs = 2000): AlipayClient =>
      new AlipayClient(
        {
          appId: APP_ID,
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
      await expect(qrClient().createPayment({ ...request, method: 'qr' })).resolves.toEqual({
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
        await expect(qrClient().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
          code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
        });
      }
    });

    it('reports a signed business failure with its codes', async () => {
      const failed = '{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_HAS_SUCCESS","sub_msg":"paid"}';
      reply = answer(failed, rsa2Sign(failed, keys.alipay.privateKey));
      await expect(qrClient().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_REJECTED',
        details: { code: '40004', subCode: 'ACQ.TRADE_HAS_SUCCESS' },
      });
    });

    it('refuses a verified answer for another order', async () => {
      const other = ok.replace('ORD_1001', 'ORD_9999');
      reply = answer(other, rsa2Sign(other, keys.alipay.privateKey));
      await expect(qrClient().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_ANSWER_INVALID',
      });
    });

    it('maps HTTP errors, timeouts and unreachable gateways to coded errors', async () => {
      reply = (_req, _body, res) => {
        res.writeHead(502);
        res.end('bad gateway');
      };
      await expect(qrClient().createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
      });
      reply = () => undefined; // never answers
      await expect(qrClient(200).createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
        code: 'PROVIDER_TIMEOUT',
      });
      const unreachable = new AlipayClient(
        {
          appId: APP_ID,
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

describe('AlipayClient configuration', () => {
  it('fails at construction on a bad key, without echoing it', () => {
    const secret = keys.app.privateKeyPkcs8Base64.slice(0, 300);
    const error = rejection(
      () =>
        new AlipayClient({
          appId: APP_ID,
          privateKey: secret,
          alipayPublicKey: keys.alipay.publicKeyBase64,
          gatewayUrl: 'http://x',
        }),
    );
    expect(error).toMatchObject({ code: 'PROVIDER_KEY_INVALID' });
    expect((error as Error).message).not.toContain(secret.slice(40, 80));
  });

  it('requires appId and gatewayUrl', () => {
    expect(
      rejection(
        () =>
          new AlipayClient({
            appId: '',
            privateKey: keys.app.privateKey,
            alipayPublicKey: keys.alipay.publicKey,
            gatewayUrl: 'http://x',
          }),
      ),
    ).toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
  });
});
