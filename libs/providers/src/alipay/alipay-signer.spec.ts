import { generateKeyPairSync } from 'node:crypto';
import {
  alipaySigningString,
  ALIPAY_NOTIFICATION_UNSIGNED_KEYS,
  ALIPAY_REQUEST_UNSIGNED_KEYS,
  rsa2Sign,
  signAlipayNotification,
  signAlipayRequest,
  verifyAlipayAnswer,
  verifyAlipayNotification,
  verifyAlipayRequest,
} from './alipay-signer';

const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('alipaySigningString', () => {
  it('drops empty and undefined values, sorts keys by ASCII and joins raw k=v pairs', () => {
    const text = alipaySigningString(
      { b: '2', a: '1', empty: '', missing: undefined, B: 'upper', _x: 'u', 'a.b': 'dot' },
      ALIPAY_REQUEST_UNSIGNED_KEYS,
    );
    // ASCII: "B" (0x42) < "_" (0x5f) < "a" (0x61); "a" < "a.b" (prefix first)
    expect(text).toBe('B=upper&_x=u&a=1&a.b=dot&b=2');
  });

  it('never URL-encodes values', () => {
    expect(alipaySigningString({ subject: 'A+B 100% 好&=', notify_url: 'https://x/n?a=1' }, ['sign'])).toBe(
      'notify_url=https://x/n?a=1&subject=A+B 100% 好&=',
    );
  });

  it('includes sign_type for requests but excludes it for notifications; sign is never included', () => {
    const params = { app_id: '2021', sign_type: 'RSA2', sign: 'abc', method: 'm' };
    expect(alipaySigningString(params, ALIPAY_REQUEST_UNSIGNED_KEYS)).toBe('app_id=2021&method=m&sign_type=RSA2');
    expect(alipaySigningString(params, ALIPAY_NOTIFICATION_UNSIGNED_KEYS)).toBe('app_id=2021&method=m');
  });
});

describe('request signatures', () => {
  const params = { app_id: '2021', method: 'alipay.trade.precreate', sign_type: 'RSA2', biz_content: '{"a":"b"}' };

  it('verify with the matching public key only', () => {
    const sign = signAlipayRequest(params, alipay.privateKey);
    expect(verifyAlipayRequest({ ...params, sign }, alipay.publicKey)).toBe(true);
    expect(verifyAlipayRequest({ ...params, sign }, stranger.publicKey)).toBe(false);
  });

  it('cover sign_type: changing it breaks the signature', () => {
    const sign = signAlipayRequest(params, alipay.privateKey);
    expect(verifyAlipayRequest({ ...params, sign_type: 'RSA', sign }, alipay.publicKey)).toBe(false);
  });

  it('is PKCS#1 v1.5 SHA-256, hence deterministic', () => {
    expect(signAlipayRequest(params, alipay.privateKey)).toBe(signAlipayRequest(params, alipay.privateKey));
  });
});

describe('notification signatures', () => {
  const fields = { notify_id: 'n1', total_amount: '12.30', sign_type: 'RSA2', empty: '' };

  it('do not cover sign_type or empty values', () => {
    const sign = signAlipayNotification(fields, alipay.privateKey);
    expect(verifyAlipayNotification({ ...fields, sign }, alipay.publicKey)).toBe(true);
    const { sign_type: _t, empty: _e, ...bare } = fields;
    expect(verifyAlipayNotification({ ...bare, sign }, alipay.publicKey)).toBe(true);
  });

  it('fail for a changed value, a missing or garbage signature', () => {
    const sign = signAlipayNotification(fields, alipay.privateKey);
    expect(verifyAlipayNotification({ ...fields, total_amount: '12.31', sign }, alipay.publicKey)).toBe(false);
    expect(verifyAlipayNotification(fields, alipay.publicKey)).toBe(false);
    expect(verifyAlipayNotification({ ...fields, sign: '%%%not base64' }, alipay.publicKey)).toBe(false);
  });
});

describe('verifyAlipayAnswer', () => {
  const method = 'alipay.trade.precreate';
  const signed = (responseText: string, key = alipay.privateKey): string => rsa2Sign(responseText, key);
  // As Alipay writes it: "/" escaped, an order JSON.stringify would not reproduce.
  const responseText =
    '{"qr_code":"https:\\/\\/qr.alipay.com\\/bax01","code":"10000","msg":"Success","out_trade_no":"o_1"}';

  it('verifies over the raw response text, so escapes and member order survive', () => {
    const raw = `{"alipay_trade_precreate_response":${responseText},"sign":"${signed(responseText)}"}`;
    expect(JSON.stringify(JSON.parse(responseText))).not.toBe(responseText);
    const answer = verifyAlipayAnswer(raw, method, alipay.publicKey);
    expect(answer.responseKey).toBe('alipay_trade_precreate_response');
    expect(answer.response).toEqual({
      qr_code: 'https://qr.alipay.com/bax01',
      code: '10000',
      msg: 'Success',
      out_trade_no: 'o_1',
    });
  });

  it('accepts the sign before the response and whitespace around members', () => {
    const raw = `{ "sign" : "${signed(responseText)}" ,\n "alipay_trade_precreate_response" : ${responseText} }`;
    expect(verifyAlipayAnswer(raw, method, alipay.publicKey).response.code).toBe('10000');
  });

  it('accepts a signed error_response', () => {
    const error = '{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"}';
    const raw = `{"error_response":${error},"sign":"${signed(error)}"}`;
    expect(verifyAlipayAnswer(raw, method, alipay.publicKey).responseKey).toBe('error_response');
  });

  it('rejects a modified answer, a foreign signature and an unsigned answer', () => {
    const tampered = responseText.replace('bax01', 'bax02');
    expect(() =>
      verifyAlipayAnswer(
        `{"alipay_trade_precreate_response":${tampered},"sign":"${signed(responseText)}"}`,
        method,
        alipay.publicKey,
      ),
    ).toThrow(expect.objectContaining({ code: 'PROVIDER_ANSWER_SIGNATURE_INVALID' }));
    expect(() =>
      verifyAlipayAnswer(
        `{"alipay_trade_precreate_response":${responseText},"sign":"${signed(responseText, stranger.privateKey)}"}`,
        method,
        alipay.publicKey,
      ),
    ).toThrow(expect.objectContaining({ code: 'PROVIDER_ANSWER_SIGNATURE_INVALID' }));
    expect(() =>
      verifyAlipayAnswer(`{"alipay_trade_precreate_response":${responseText}}`, method, alipay.publicKey),
    ).toThrow(expect.objectContaining({ code: 'PROVIDER_ANSWER_SIGNATURE_INVALID' }));
  });

  it('rejects a re-serialised answer: the signature covers the bytes that were sent', () => {
    const reserialised = JSON.stringify(JSON.parse(responseText));
    const raw = `{"alipay_trade_precreate_response":${reserialised},"sign":"${signed(responseText)}"}`;
    expect(() => verifyAlipayAnswer(raw, method, alipay.publicKey)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_ANSWER_SIGNATURE_INVALID' }),
    );
  });

  it('rejects malformed and ambiguous answers', () => {
    for (const raw of ['not json', '[]', '{"other_response":{},"sign":"x"}']) {
      expect(() => verifyAlipayAnswer(raw, method, alipay.publicKey)).toThrow(
        expect.objectContaining({ code: 'PROVIDER_ANSWER_INVALID' }),
      );
    }
    const sign = signed(responseText);
    const twice = `{"alipay_trade_precreate_response":${responseText},"error_response":${responseText},"sign":"${sign}"}`;
    expect(() => verifyAlipayAnswer(twice, method, alipay.publicKey)).toThrow(
      expect.objectContaining({ code: 'PROVIDER_ANSWER_INVALID' }),
    );
  });
});
