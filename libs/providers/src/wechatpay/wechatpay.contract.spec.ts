// Contract tests against wechatpay-axios-plugin 0.9.6 (a devDependency; its offline helpers Formatter, Rsa and
// Aes.AesGcm, and its response verifier): our signer, verifier and AES-GCM must agree with it in both directions.
import { generateKeyPairSync } from 'node:crypto';
import { Aes, Decorator, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { WechatPayNotificationVerifier } from './wechatpay-notification.verifier';
import {
  decryptWechatpayResource,
  encryptWechatpayResource,
  parseWechatpayAuthorization,
  signWechatpayMessage,
  signWechatpayRequest,
  verifyWechatpayRequest,
  wechatpayMessageSigningString,
  wechatpayRequestSigningString,
} from './wechatpay-signer';

const APP_ID = 'wx8888888888888888';
const MCH_ID = '1900000001';
const API_V3_KEY = 'Q9w8E7r6T5y4U3i2O1p0A9s8D7f6G5h4';
const CERT_SERIAL = '3775B6A45ACD588826D15E583A95F5DD2C6A8EB5';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000012025112700000000000001';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const BODY = JSON.stringify({
  appid: APP_ID,
  mchid: MCH_ID,
  description: 'Image形象店-深圳腾大-QQ公仔 A+B 100%',
  out_trade_no: 'ORD_3001',
  notify_url: 'https://shop.example/notify/wechatpay',
  amount: { total: 1, currency: 'CNY' },
});

describe('signing strings equal the plugin Formatter', () => {
  it('Formatter.request', () => {
    for (const [method, url, body] of [
      ['POST', '/v3/pay/transactions/native', BODY],
      ['GET', '/v3/pay/transactions/out-trade-no/ORD_3001?mchid=1900000001', ''],
      ['POST', '/v3/pay/transactions/out-trade-no/ORD_3001/close', '{"mchid":"1900000001"}'],
    ]) {
      expect(wechatpayRequestSigningString(method, url, 1700000000, 'NONCE', body)).toBe(
        Formatter.request(method, url, 1700000000, 'NONCE', body),
      );
    }
  });

  it('Formatter.response', () => {
    expect(wechatpayMessageSigningString(1700000000, 'NONCE', BODY)).toBe(
      Formatter.response(1700000000, 'NONCE', BODY),
    );
    expect(wechatpayMessageSigningString('1700000000', 'NONCE', '')).toBe(
      Formatter.response('1700000000', 'NONCE', ''),
    );
  });
});

describe('request signatures', () => {
  it('ours verify with Rsa.verify', () => {
    const signed = signWechatpayRequest({
      method: 'POST',
      url: '/v3/pay/transactions/native',
      body: BODY,
      mchId: MCH_ID,
      serialNo: CERT_SERIAL,
      privateKey: merchant.privateKey,
      timestamp: 1700000000,
      nonce: 'NONCE',
    });
    const message = Formatter.request('POST', '/v3/pay/transactions/native', 1700000000, 'NONCE', BODY);
    expect(Rsa.verify(message, signed.signature, Rsa.from(merchant.publicKey, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
  });

  it("the plugin's Rsa.sign and Formatter.authorization (another pair order) verify with ours", () => {
    const message = Formatter.request('POST', '/v3/pay/transactions/native', 1700000000, 'NONCE', BODY);
    const signature = Rsa.sign(message, merchant.privateKey);
    const header = Formatter.authorization(MCH_ID, 'NONCE', signature, 1700000000, CERT_SERIAL);
    const parsed = parseWechatpayAuthorization(header);
    expect(parsed).toEqual({
      mchId: MCH_ID,
      nonce: 'NONCE',
      signature,
      timestamp: '1700000000',
      serialNo: CERT_SERIAL,
    });
    expect(verifyWechatpayRequest('POST', '/v3/pay/transactions/native', BODY, parsed!, merchant.publicKey)).toBe(true);
  });
});

describe('answer and notification signatures', () => {
  it("ours pass the plugin's APIv3 response verifier (keys by serial, clock window, raw body)", () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = signWechatpayMessage(timestamp, 'RNONCE', '{"code_url":"weixin://x"}', platform.privateKey);
    const verifier = Decorator.responseVerifier({ [PUB_KEY_ID]: platform.publicKey });
    const headers = {
      'Wechatpay-Timestamp': timestamp,
      'Wechatpay-Nonce': 'RNONCE',
      'Wechatpay-Serial': PUB_KEY_ID,
      'Wechatpay-Signature': signature,
    };
    const context = { url: '/v3/pay/transactions/native' };
    expect(verifier.call(context, '{"code_url":"weixin://x"}', headers, 200)).toBe('{"code_url":"weixin://x"}');
    const refused: unknown = verifier.call(context, '{"code_url":"weixin://y"}', headers, 200);
    expect(refused).not.toBe('{"code_url":"weixin://y"}');
  });

  it("a notification signed and encrypted with the plugin's helpers passes our notification verifier", () => {
    const now = new Date();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const transaction = {
      mchid: MCH_ID,
      appid: APP_ID,
      out_trade_no: 'ORD_3001',
      transaction_id: '4200000000202611271234567891',
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      success_time: '2026-11-27T09:59:58+08:00',
      amount: { total: 1, payer_total: 1, currency: 'CNY', payer_currency: 'CNY' },
    };
    const body = JSON.stringify({
      id: 'EV-3001',
      create_time: '2026-11-27T09:59:59+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: Aes.AesGcm.encrypt(JSON.stringify(transaction), API_V3_KEY, 'abcdefghijkl', 'transaction'),
        associated_data: 'transaction',
        nonce: 'abcdefghijkl',
      },
    });
    const signature = Rsa.sign(Formatter.response(timestamp, 'NNONCE', body), platform.privateKey);
    const notifications = new WechatPayNotificationVerifier(
      { appId: APP_ID, mchId: MCH_ID, apiV3Key: API_V3_KEY, platformKeys: { [PUB_KEY_ID]: platform.publicKey } },
      { now: () => now },
    );
    const verdict = notifications.verify({
      rawBody: body,
      contentType: 'application/json',
      headers: {
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': 'NNONCE',
        'wechatpay-signature': signature,
        'wechatpay-serial': PUB_KEY_ID,
      },
    });
    expect(verdict).toMatchObject({
      ok: true,
      notification: { kind: 'payment-succeeded', orderNo: 'ORD_3001', notificationKey: 'EV-3001' },
    });
    expect(
      Rsa.verify(
        Formatter.response(timestamp, 'NNONCE', body),
        signWechatpayMessage(timestamp, 'NNONCE', body, platform.privateKey),
        platform.publicKey,
      ),
    ).toBe(true);
  });
});

describe('AEAD_AES_256_GCM', () => {
  const plaintext = JSON.stringify({ out_trade_no: 'ORD_3001', note: '中文 ✓ 😀' });

  it("Aes.AesGcm.decrypt opens our ciphertext, and ours opens the plugin's", () => {
    const ours = encryptWechatpayResource(plaintext, API_V3_KEY, 'abcdefghijkl', 'transaction');
    expect(Aes.AesGcm.decrypt(ours, API_V3_KEY, 'abcdefghijkl', 'transaction')).toBe(plaintext);
    const theirs = Aes.AesGcm.encrypt(plaintext, API_V3_KEY, 'abcdefghijkl', 'transaction');
    expect(theirs).toBe(ours); // deterministic for the same key, nonce and AAD: byte-identical
    expect(
      decryptWechatpayResource(
        { ciphertext: theirs, nonce: 'abcdefghijkl', associatedData: 'transaction' },
        API_V3_KEY,
      ),
    ).toBe(plaintext);
  });

  it('both refuse the same tampered ciphertext', () => {
    const bytes = Buffer.from(encryptWechatpayResource(plaintext, API_V3_KEY, 'abcdefghijkl', 'transaction'), 'base64');
    bytes[3] ^= 0x40;
    const tampered = bytes.toString('base64');
    expect(() => Aes.AesGcm.decrypt(tampered, API_V3_KEY, 'abcdefghijkl', 'transaction')).toThrow();
    expect(() =>
      decryptWechatpayResource(
        { ciphertext: tampered, nonce: 'abcdefghijkl', associatedData: 'transaction' },
        API_V3_KEY,
      ),
    ).toThrow(expect.objectContaining({ code: 'PROVIDER_ANSWER_INVALID' }));
  });
});
