// Contract tests against the official Alipay Node SDK (alipay-sdk 4.x, a devDependency): our client and verifier,
// our simulator
// and the SDK must agree on every signature, in both directions.
import { createSign } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { Money } from '@shop/money';
import { type AlipayKeys, AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import { AlipayClient } from './alipay.client';
import { AlipayNotificationVerifier } from './alipay-notification.verifier';
import { verifyAlipayAnswer } from './alipay-signer';
import { formatChinaTime } from './china-time';

const APP_ID = '2021000000000002';
const SELLER_ID = '2088000000000002';
const NOTIFY_URL = 'https://shop.example/notify/alipay?src=a+b';

let keys: AlipayKeys;
let sdk: AlipaySdk;
let simulator: AlipaySimulator;
let verifier: AlipayNotificationVerifier;

beforeAll(async () => {
  keys = await generateAlipayKeys();
  // The SDK takes keys the way merchants paste them: raw base64, PKCS#1 by default, PKCS#8 with keyType.
  sdk = new AlipaySdk({
    appId: APP_ID,
    privateKey: keys.app.privateKeyPkcs1Base64,
    alipayPublicKey: keys.alipay.publicKeyBase64,
  });
  simulator = new AlipaySimulator({
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKey,
  });
  await simulator.start();
  verifier = new AlipayNotificationVerifier({
    appId: APP_ID,
    sellerId: SELLER_ID,
    alipayPublicKey: keys.alipay.publicKeyBase64,
  });
});

afterAll(() => simulator.stop());

function notificationFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    notify_time: '2026-11-27 10:00:05',
    notify_type: 'trade_status_sync',
    notify_id: '2026112700222100005123456789012345',
    app_id: APP_ID,
    seller_id: SELLER_ID,
    out_trade_no: 'ORD_2001',
    trade_no: '2026112722001400001234567891',
    trade_status: 'TRADE_SUCCESS',
    total_amount: '88.00',
    receipt_amount: '88.00',
    gmt_payment: '2026-11-27 10:00:04',
    subject: 'Gift A+B 100% & more=1 %E4 中文',
    fund_bill_list: '[{"amount":"88.00","fundChannel":"ALIPAYACCOUNT"}]',
    sign_type: 'RSA2',
    charset: 'utf-8',
    version: '1.0',
    ...overrides,
  };
}

/** What a web framework hands to checkNotifySignV2: the form decoded once. */
const decodedPost = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body));
const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const verifyOurs = (body: string) =>
  verifier.verify({
    rawBody: body,
    contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    headers: {},
  });

/** The SDK's notification rule (notifyRSACheck with raw=true): sort keys, join k=v unencoded, no sign, no sign_type. */
function signLikeSdkVerifies(fields: Record<string, string>, privateKey = keys.alipay.privateKey): string {
  const { sign: _s, sign_type: _t, ...rest } = fields;
  const content = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${rest[key]}`)
    .join('&');
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

describe('alipay-sdk accepts what our simulator signs', () => {
  it('checkNotifySignV2 accepts a simulator-signed notification, "+" and "%" included', () => {
    const body = form(simulator.buildNotification(notificationFields()));
    expect(sdk.checkNotifySignV2(decodedPost(body))).toBe(true);
  });

  it('checkNotifySignV2 refuses it once any value is changed or another key signed it', () => {
    const signed = simulator.buildNotification(notificationFields());
    expect(sdk.checkNotifySignV2({ ...signed, total_amount: '0.01' })).toBe(false);
    const foreign = simulator.buildNotification(notificationFields(), keys.app.privateKeyPkcs8Pem);
    expect(sdk.checkNotifySignV2(foreign)).toBe(false);
  });

  it('exec() with validateSign accepts the simulator precreate answer, and cuts out the same signed text as we do', async () => {
    const gatewaySdk = new AlipaySdk({
      appId: APP_ID,
      privateKey: keys.app.privateKeyPkcs8Base64,
      keyType: 'PKCS8',
      alipayPublicKey: keys.alipay.publicKeyPem,
      gateway: simulator.gatewayUrl,
    });
    const result = await gatewaySdk.exec(
      'alipay.trade.precreate',
      {
        // The SDK stamps the machine's local time; Alipay (and our simulator) read China time.
        timestamp: formatChinaTime(new Date()),
        notifyUrl: NOTIFY_URL,
        bizContent: { out_trade_no: 'ORD_SDK_1', total_amount: '0.01', subject: 'sdk' },
      },
      { validateSign: true },
    );
    expect(result).toMatchObject({ code: '10000', outTradeNo: 'ORD_SDK_1' });
    expect(result.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);

    const raw = await (
      await fetch(
        `${simulator.gatewayUrl}?${sdkQuery('alipay.trade.precreate', { out_trade_no: 'ORD_SDK_1', total_amount: '0.01', subject: 'sdk' })}`,
        {
          method: 'POST',
        },
      )
    ).text();
    const responseKey = 'alipay_trade_precreate_response';
    const ours = verifyAlipayAnswer(raw, 'alipay.trade.precreate', keys.alipay.publicKey);
    expect(JSON.stringify(ours.response)).toBe(JSON.stringify(JSON.parse(sdk.getSignStr(raw, responseKey))));
    expect(raw).toContain(`"${responseKey}":${sdk.getSignStr(raw, responseKey)},"sign"`);
  });
});

/** A signed query string from the SDK's own signer (sdkExecute), with the timestamp in China time. */
function sdkQuery(method: string, bizContent: Record<string, string>): string {
  return sdk.sdkExecute(method, { timestamp: formatChinaTime(new Date()), notifyUrl: NOTIFY_URL, bizContent });
}

describe('our verifier accepts what the alipay-sdk rules sign', () => {
  it('a notification signed by the rule checkNotifySignV2 verifies passes our verifier', () => {
    const fields = notificationFields();
    const signed = { ...fields, sign: signLikeSdkVerifies(fields) };
    expect(sdk.checkNotifySignV2(signed)).toBe(true); // proves the rule is the SDK's
    const verdict = verifyOurs(form(signed));
    if (!verdict.ok) throw new Error(`expected the notification to verify, got ${verdict.reason}`);
    const verified = verdict.notification;
    expect(verified.amount.equals(Money.of(8800, 'CNY'))).toBe(true);
    expect(verified.fields.subject).toBe(fields.subject);
  });

  it('both refuse the same tampered notification', () => {
    const fields = notificationFields();
    const tampered = { ...fields, sign: signLikeSdkVerifies(fields), out_trade_no: 'ORD_2002' };
    expect(sdk.checkNotifySignV2(tampered)).toBe(false);
    expect(verifyOurs(form(tampered))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });

  it('differs on empty values: the SDK signs "key=" where Alipay and we drop the pair', () => {
    // Alipay never sends empty fields in notifications, so this only matters for hand-made test data.
    const fields = notificationFields({ body: '' });
    const ours = simulator.buildNotification(fields);
    expect(verifyOurs(form(ours)).ok).toBe(true);
    expect(sdk.checkNotifySignV2(ours)).toBe(false);
  });
});

describe('request signatures match the SDK signer', () => {
  it('our page.pay URL carries the very signature sdkExecute computes for the same parameters', async () => {
    const now = new Date();
    const clocked = new AlipayClient(
      {
        appId: APP_ID,
        privateKey: keys.app.privateKeyPkcs1Pem,
        alipayPublicKey: keys.alipay.publicKeyPem,
        gatewayUrl: simulator.gatewayUrl,
      },
      { now: () => now },
    );
    const result = await clocked.createPayment({
      orderNo: 'ORD_2003',
      amount: Money.of(1, 'CNY'),
      subject: 'A+B 100% 中文',
      method: 'page',
      notifyUrl: NOTIFY_URL,
    });
    const ours = Object.fromEntries(new URL((result as { redirectUrl: string }).redirectUrl).searchParams);
    const sdkParams = Object.fromEntries(
      new URLSearchParams(
        sdk.sdkExecute(
          'alipay.trade.page.pay',
          {
            timestamp: formatChinaTime(now),
            // The SDK leaves out format (optional, JSON is the default); we send it, so add it to compare.
            format: 'JSON',
            notifyUrl: NOTIFY_URL,
            bizContent: {
              out_trade_no: 'ORD_2003',
              total_amount: '0.01',
              subject: 'A+B 100% 中文',
              product_code: 'FAST_INSTANT_TRADE_PAY',
            },
          },
          { bizContentAutoSnakeCase: false },
        ),
      ),
    );
    expect(ours).toEqual(sdkParams);
  });

  it("the simulator gateway accepts the SDK's own page.pay URL", async () => {
    const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      timestamp: formatChinaTime(new Date()),
      notifyUrl: NOTIFY_URL,
      bizContent: {
        out_trade_no: 'ORD_SDK_2',
        total_amount: '1.00',
        subject: 'sdk page',
        product_code: 'FAST_INSTANT_TRADE_PAY',
      },
    });
    const withSimulator = url.replace('https://openapi.alipay.com/gateway.do', simulator.gatewayUrl);
    const response = await fetch(withSimulator);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('data-out-trade-no="ORD_SDK_2"');
  });
});
