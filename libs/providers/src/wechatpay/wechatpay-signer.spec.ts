import { generateKeyPairSync } from 'node:crypto';
import { ProviderError } from '../provider-error';
import {
  decryptWechatpayResource,
  encryptWechatpayResource,
  formatWechatpayAuthorization,
  isWechatpaySignatureProbe,
  parseWechatpayAuthorization,
  sha256WithRsaVerify,
  signWechatpayMessage,
  signWechatpayRequest,
  verifyWechatpayMessage,
  verifyWechatpayRequest,
  wechatpayApiV3Key,
  wechatpayMessageSigningString,
  wechatpayNonce,
  wechatpayRequestSigningString,
} from './wechatpay-signer';
import { formatWechatpayTime, parseWechatpayTime } from './wechatpay-time';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const API_V3_KEY = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6';

describe('signing strings', () => {
  it('a POST: METHOD, path?query, timestamp, nonce, body, each ending in \\n', () => {
    expect(wechatpayRequestSigningString('POST', '/v3/pay/transactions/native', 1554208460, 'NONCE1', '{"a":1}')).toBe(
      'POST\n/v3/pay/transactions/native\n1554208460\nNONCE1\n{"a":1}\n',
    );
  });

  it('a GET keeps the empty body line and its final \\n', () => {
    expect(
      wechatpayRequestSigningString('GET', '/v3/pay/transactions/out-trade-no/ORD_1001?mchid=1900000001', '1', 'N'),
    ).toBe('GET\n/v3/pay/transactions/out-trade-no/ORD_1001?mchid=1900000001\n1\nN\n\n');
  });

  it('answers and notifications: timestamp, nonce, raw body', () => {
    expect(wechatpayMessageSigningString('1554209980', 'c5ac7061fccab6bf3e254dcf98995b8c', '{"x":"中"}')).toBe(
      '1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{"x":"中"}\n',
    );
    expect(wechatpayMessageSigningString(1, 'n', '')).toBe('1\nn\n\n');
  });
});

describe('Authorization header', () => {
  it('has the exact scheme, order and quoting', () => {
    expect(
      formatWechatpayAuthorization({
        mchId: '1900009191',
        nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
        signature:
          'uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XmN/xwa+hk4oG8LVaUAVbE+uelUt7NjDbFHBMQ3kLd6N6wLoA==',
        timestamp: '1554208460',
        serialNo: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C',
      }),
    ).toBe(
      'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",' +
        'signature="uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XmN/xwa+hk4oG8LVaUAVbE+uelUt7NjDbFHBMQ3kLd6N6wLoA==",' +
        'timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"',
    );
  });

  it('signs a request so that the signing string verifies with the merchant public key', () => {
    const signed = signWechatpayRequest({
      method: 'post',
      url: '/v3/pay/transactions/native',
      body: '{"appid":"wx1"}',
      mchId: '1900000001',
      serialNo: 'ABC',
      privateKey: merchant.privateKey,
      timestamp: 1700000000,
      nonce: 'NONCE',
    });
    expect(signed.authorization).toMatch(
      /^WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="NONCE",signature="[A-Za-z0-9+/=]+",timestamp="1700000000",serial_no="ABC"$/,
    );
    const text = 'POST\n/v3/pay/transactions/native\n1700000000\nNONCE\n{"appid":"wx1"}\n';
    expect(sha256WithRsaVerify(text, signed.signature, merchant.publicKey)).toBe(true);
    const parsed = parseWechatpayAuthorization(signed.authorization)!;
    expect(
      verifyWechatpayRequest('POST', '/v3/pay/transactions/native', '{"appid":"wx1"}', parsed, merchant.publicKey),
    ).toBe(true);
    expect(
      verifyWechatpayRequest('POST', '/v3/pay/transactions/native', '{"appid":"wx2"}', parsed, merchant.publicKey),
    ).toBe(false);
    expect(
      verifyWechatpayRequest('POST', '/v3/pay/transactions/native?x=1', '{"appid":"wx1"}', parsed, merchant.publicKey),
    ).toBe(false);
  });

  it('parses pairs in any order and refuses incomplete or foreign headers', () => {
    const header = 'WECHATPAY2-SHA256-RSA2048 serial_no="S",timestamp="1",nonce_str="N",signature="a+b/c==",mchid="M"';
    expect(parseWechatpayAuthorization(header)).toEqual({
      mchId: 'M',
      nonce: 'N',
      signature: 'a+b/c==',
      timestamp: '1',
      serialNo: 'S',
    });
    expect(parseWechatpayAuthorization(header.replace(',mchid="M"', ''))).toBeUndefined();
    expect(parseWechatpayAuthorization(header.replace('WECHATPAY2', 'WECHATPAY3'))).toBeUndefined();
    expect(parseWechatpayAuthorization(`${header},mchid="M2"`)).toBeUndefined();
    expect(parseWechatpayAuthorization(header.replace('mchid="M"', 'mchid=M'))).toBeUndefined();
    expect(parseWechatpayAuthorization(undefined)).toBeUndefined();
  });

  it('nonces are 32 upper-case letters and digits and do not repeat', () => {
    const a = wechatpayNonce();
    expect(a).toMatch(/^[A-Z0-9]{32}$/);
    expect(wechatpayNonce()).not.toBe(a);
  });
});

describe('answer and notification signatures', () => {
  const body = '{"id":"EV-1","summary":"支付成功"}';

  it('verifies over the raw text or the same raw bytes', () => {
    const signature = signWechatpayMessage('1700000000', 'N1', body, platform.privateKey);
    expect(verifyWechatpayMessage('1700000000', 'N1', body, signature, platform.publicKey)).toBe(true);
    expect(verifyWechatpayMessage('1700000000', 'N1', Buffer.from(body, 'utf8'), signature, platform.publicKey)).toBe(
      true,
    );
  });

  it('fails for another body (even re-serialised JSON), timestamp, nonce or key, and for probes', () => {
    const signature = signWechatpayMessage('1700000000', 'N1', body, platform.privateKey);
    const reserialised = JSON.stringify(JSON.parse(body), null, 1);
    expect(verifyWechatpayMessage('1700000000', 'N1', reserialised, signature, platform.publicKey)).toBe(false);
    expect(verifyWechatpayMessage('1700000001', 'N1', body, signature, platform.publicKey)).toBe(false);
    expect(verifyWechatpayMessage('1700000000', 'N2', body, signature, platform.publicKey)).toBe(false);
    expect(verifyWechatpayMessage('1700000000', 'N1', body, signature, merchant.publicKey)).toBe(false);
    expect(verifyWechatpayMessage('1700000000', 'N1', body, 'not base64!', platform.publicKey)).toBe(false);
    expect(isWechatpaySignatureProbe('WECHATPAY/SIGNTEST/abc')).toBe(true);
    expect(isWechatpaySignatureProbe(signature)).toBe(false);
    expect(
      verifyWechatpayMessage('1700000000', 'N1', body, `WECHATPAY/SIGNTEST/${signature}`, platform.publicKey),
    ).toBe(false);
  });
});

describe('AEAD_AES_256_GCM resources', () => {
  const plaintext = JSON.stringify({ out_trade_no: 'ORD_1001', amount: { total: 1230 }, note: '中文 ✓' });

  it('round-trips, the ciphertext being base64(encrypted || 16-byte tag)', () => {
    const ciphertext = encryptWechatpayResource(plaintext, API_V3_KEY, 'fdasflkja484', 'transaction');
    expect(Buffer.from(ciphertext, 'base64').length).toBe(Buffer.byteLength(plaintext) + 16);
    expect(
      decryptWechatpayResource({ ciphertext, nonce: 'fdasflkja484', associatedData: 'transaction' }, API_V3_KEY),
    ).toBe(plaintext);
    const empty = encryptWechatpayResource(plaintext, API_V3_KEY, 'fdasflkja484', '');
    expect(decryptWechatpayResource({ ciphertext: empty, nonce: 'fdasflkja484', associatedData: '' }, API_V3_KEY)).toBe(
      plaintext,
    );
  });

  it('detects a changed ciphertext, tag, nonce, AAD or key', () => {
    const ciphertext = encryptWechatpayResource(plaintext, API_V3_KEY, 'fdasflkja484', 'transaction');
    const bytes = Buffer.from(ciphertext, 'base64');
    const flip = (index: number): string => {
      const copy = Buffer.from(bytes);
      copy[index] ^= 0x01;
      return copy.toString('base64');
    };
    const attempts = [
      { ciphertext: flip(0), nonce: 'fdasflkja484', associatedData: 'transaction', key: API_V3_KEY },
      { ciphertext: flip(bytes.length - 1), nonce: 'fdasflkja484', associatedData: 'transaction', key: API_V3_KEY },
      {
        ciphertext: bytes.subarray(0, bytes.length - 1).toString('base64'),
        nonce: 'fdasflkja484',
        associatedData: 'transaction',
        key: API_V3_KEY,
      },
      { ciphertext, nonce: 'fdasflkja485', associatedData: 'transaction', key: API_V3_KEY },
      { ciphertext, nonce: 'fdasflkja484', associatedData: 'refund', key: API_V3_KEY },
      { ciphertext, nonce: 'fdasflkja484', associatedData: 'transaction', key: `${API_V3_KEY.slice(0, 31)}X` },
      { ciphertext: 'AAAA', nonce: 'fdasflkja484', associatedData: 'transaction', key: API_V3_KEY },
      { ciphertext: '%%%', nonce: 'fdasflkja484', associatedData: 'transaction', key: API_V3_KEY },
    ];
    for (const { key, ...resource } of attempts) {
      expect(() => decryptWechatpayResource(resource, key)).toThrow(
        expect.objectContaining({ code: 'PROVIDER_ANSWER_INVALID' }),
      );
    }
  });

  it('the APIv3 key must be 32 printable ASCII characters, and errors never echo it', () => {
    expect(wechatpayApiV3Key(API_V3_KEY)).toEqual(Buffer.from(API_V3_KEY, 'ascii'));
    for (const bad of [
      '',
      API_V3_KEY.slice(1),
      `${API_V3_KEY}x`,
      `${API_V3_KEY.slice(2)}中`,
      `${API_V3_KEY.slice(1)} `,
    ]) {
      let error: unknown;
      try {
        wechatpayApiV3Key(bad);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('PROVIDER_CONFIG_INVALID');
      if (bad !== '') expect((error as Error).message).not.toContain(bad);
    }
  });
});

describe('times and descriptions', () => {
  it('formats China time with its offset and parses RFC 3339 offsets', () => {
    expect(formatWechatpayTime(new Date('2026-11-27T02:00:00Z'))).toBe('2026-11-27T10:00:00+08:00');
    expect(parseWechatpayTime('2026-11-27T10:00:00+08:00')?.toISOString()).toBe('2026-11-27T02:00:00.000Z');
    expect(parseWechatpayTime('2026-11-27T02:00:00.250Z')?.toISOString()).toBe('2026-11-27T02:00:00.250Z');
    expect(parseWechatpayTime('2026-11-26T21:30:00-04:30')?.toISOString()).toBe('2026-11-27T02:00:00.000Z');
    for (const bad of [
      '2026-11-27T10:00:00',
      '2026-02-30T10:00:00+08:00',
      '2026-11-27 10:00:00+08:00',
      42,
      undefined,
    ]) {
      expect(parseWechatpayTime(bad)).toBeUndefined();
    }
  });
});
