import { type KeyObject, X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Money } from '@shop/money';
import type { NotificationInput, NotificationRejection, VerifiedNotification } from '../notification-verifier';
import type { WechatPayVerifierConfig } from './wechatpay.config';
import { WechatPayNotificationVerifier } from './wechatpay-notification.verifier';
import { encryptWechatpayResource, signWechatpayMessage } from './wechatpay-signer';

const APP_ID = 'wx8888888888888888';
const MCH_ID = '1900000001';
const API_V3_KEY = 'Q9w8E7r6T5y4U3i2O1p0A9s8D7f6G5h4';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000012025112700000000000001';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
let certificate: { privateKey: KeyObject; pem: string; serial: string };
let verifier: WechatPayNotificationVerifier;

function config(overrides: Partial<WechatPayVerifierConfig> = {}): WechatPayVerifierConfig {
  return {
    appId: APP_ID,
    mchId: MCH_ID,
    apiV3Key: API_V3_KEY,
    platformKeys: {
      [PUB_KEY_ID]: platform.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      [certificate.serial]: certificate.pem,
    },
    ...overrides,
  };
}

beforeAll(() => {
  // A platform certificate as WeChat Pay issued them before public keys: made with the openssl CLI, so the test
  // does not share code with the simulator's key generator.
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '30',
        '-subj',
        '/C=CN/O=Tenpay.com/CN=Tenpay.com Root CA',
        '-set_serial',
        '0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    certificate = {
      privateKey: createPrivateKey(readFileSync(join(dir, 'key.pem'))),
      pem,
      serial: new X509Certificate(pem).serialNumber,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  verifier = new WechatPayNotificationVerifier(config(), { now: () => NOW });
});

interface NotifyOptions {
  transaction?: Record<string, unknown>;
  eventType?: string;
  key?: KeyObject;
  serial?: string;
  timestamp?: number;
  nonce?: string;
  apiV3Key?: string;
  signature?: string;
  contentType?: string;
}

function transaction(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: MCH_ID,
    appid: APP_ID,
    out_trade_no: 'ORD_1001',
    transaction_id: '4200000000202611271234567890',
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: '2026-11-27T09:59:58+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 1230, payer_total: 1230, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

function notify(options: NotifyOptions = {}): NotificationInput & { rawBody: string } {
  const resourceNonce = 'fdasflkja484';
  const rawBody = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2026-11-27T09:59:59+08:00',
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: encryptWechatpayResource(
        JSON.stringify(options.transaction ?? transaction()),
        options.apiV3Key ?? API_V3_KEY,
        resourceNonce,
        'transaction',
      ),
      associated_data: 'transaction',
      nonce: resourceNonce,
    },
  });
  const timestamp = String(options.timestamp ?? NOW_S - 2);
  const nonce = options.nonce ?? 'fdasfwejfaksdfjakfjslafjwie';
  return {
    rawBody,
    contentType: options.contentType ?? 'application/json',
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature':
        options.signature ?? signWechatpayMessage(timestamp, nonce, rawBody, options.key ?? platform.privateKey),
      'wechatpay-serial': options.serial ?? PUB_KEY_ID,
    },
  };
}

function accepted(input: NotificationInput, by = verifier): VerifiedNotification {
  const verdict = by.verify(input);
  if (!verdict.ok) throw new Error(`expected the notification to verify, got ${verdict.reason}`);
  return verdict.notification;
}

function rejection(input: NotificationInput): NotificationRejection {
  const verdict = verifier.verify(input);
  if (verdict.ok) throw new Error('expected a rejection');
  return verdict;
}

describe('WechatPayNotificationVerifier.verify', () => {
  it.each(['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'])(
    'reads %s as a refund of our out_refund_no, never as a payment',
    (eventType) => {
      const refund = {
        mchid: transaction().mchid,
        out_trade_no: 'ORD_1001',
        transaction_id: '4200000001202611270000000001',
        out_refund_no: 'RF0123456789abcdef0123456789abcdef',
        refund_id: '50000000382019052709732678859',
        refund_status: eventType.slice('REFUND.'.length),
        success_time: '2026-11-27T10:00:00+08:00',
        amount: { total: 1230, refund: 100, payer_total: 1230, payer_refund: 100 },
      };
      const verified = accepted(notify({ eventType, transaction: refund }));
      expect(verified).toMatchObject({ kind: 'refund', refundNo: 'RF0123456789abcdef0123456789abcdef' });
    },
  );

  it('accepts a notification signed with the WeChat Pay public key (PUB_KEY_ID mode) and maps it', () => {
    const input = notify();
    const verified = accepted(input);
    expect(verified).toMatchObject({
      provider: 'wechatpay',
      notificationKey: 'EV-2018022511223320873',
      kind: 'payment-succeeded',
      orderNo: 'ORD_1001',
      providerTransactionId: '4200000000202611271234567890',
      tradeStatus: 'SUCCESS',
      replayKey: `${NOW_S - 2}:fdasfwejfaksdfjakfjslafjwie`,
    });
    expect(verified.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(verified.paidAt?.toISOString()).toBe('2026-11-27T01:59:58.000Z');
    expect(JSON.parse(verified.fields.resource)).toEqual(transaction());
    expect(verified.fields['wechatpay-serial']).toBe(PUB_KEY_ID);
    expect(verified.fields.event_type).toBe('TRANSACTION.SUCCESS');
  });

  it('accepts one signed with a platform certificate key, found by the certificate serial (both modes at once)', () => {
    const verified = accepted(notify({ key: certificate.privateKey, serial: certificate.serial }));
    expect(verified.kind).toBe('payment-succeeded');
    // The certificate key does not verify under the public key id, nor the reverse.
    expect(rejection(notify({ key: certificate.privateKey })).reason).toBe('BAD_SIGNATURE');
    expect(rejection(notify({ serial: certificate.serial })).reason).toBe('BAD_SIGNATURE');
  });

  it('takes header names in any case', () => {
    const input = notify();
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.replace(/(^|-)w/g, (m) => m.toUpperCase()), value]),
    );
    expect(accepted({ ...input, headers }).kind).toBe('payment-succeeded');
  });

  it('refuses a timestamp more than 300 s away, either way, and accepts the edge', () => {
    expect(accepted(notify({ timestamp: NOW_S - 300 })).kind).toBe('payment-succeeded');
    expect(accepted(notify({ timestamp: NOW_S + 300 })).kind).toBe('payment-succeeded');
    expect(rejection(notify({ timestamp: NOW_S - 301 })).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(notify({ timestamp: NOW_S + 301 })).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(notify({ timestamp: NOW_S - 86_400 })).reason).toBe('STALE_TIMESTAMP');
  });

  it('answers a SIGNTEST probe with its own reason, before any other check', () => {
    const refusal = rejection(notify({ signature: 'WECHATPAY/SIGNTEST/abcdefg==', timestamp: NOW_S - 10_000 }));
    expect(refusal.reason).toBe('SIGNATURE_PROBE');
    expect(verifier.reject('SIGNATURE_PROBE').status).toBeGreaterThanOrEqual(400);
  });

  it('refuses an unknown Wechatpay-Serial', () => {
    expect(rejection(notify({ serial: 'PUB_KEY_ID_0000' })).reason).toBe('UNKNOWN_SERIAL');
  });

  it('refuses a re-serialised or edited body, a foreign signer, and a wrong content type', () => {
    const input = notify();
    const reserialised = JSON.stringify(JSON.parse(input.rawBody), null, 2);
    expect(rejection({ ...input, rawBody: reserialised }).reason).toBe('BAD_SIGNATURE');
    expect(rejection({ ...input, rawBody: `${input.rawBody} ` }).reason).toBe('BAD_SIGNATURE');
    expect(rejection(notify({ key: merchant.privateKey })).reason).toBe('BAD_SIGNATURE');
    expect(rejection(notify({ contentType: 'text/plain' })).reason).toBe('UNSUPPORTED_CONTENT_TYPE');
  });

  it('refuses missing or repeated headers as MALFORMED', () => {
    const input = notify();
    const { 'wechatpay-nonce': _nonce, ...without } = input.headers;
    expect(rejection({ ...input, headers: without }).reason).toBe('MALFORMED');
    const repeated = { ...input.headers, 'wechatpay-serial': [PUB_KEY_ID, 'OTHER'] };
    expect(rejection({ ...input, headers: repeated }).reason).toBe('MALFORMED');
  });

  it('refuses a resource it cannot decrypt (another APIv3 key)', () => {
    const refusal = rejection(notify({ apiV3Key: 'x'.repeat(32) }));
    expect(refusal.reason).toBe('DECRYPT_FAILED');
    expect(verifier.reject('DECRYPT_FAILED').status).toBe(500);
  });

  it('refuses a validly signed notification for another mchid or appid', () => {
    expect(rejection(notify({ transaction: transaction({ mchid: '1900000002' }) })).reason).toBe('FOREIGN_MCH_ID');
    expect(rejection(notify({ transaction: transaction({ appid: 'wx0000000000000000' }) })).reason).toBe(
      'FOREIGN_APP_ID',
    );
    const { appid: _appid, ...noAppId } = transaction();
    expect(rejection(notify({ transaction: noAppId })).reason).toBe('FOREIGN_APP_ID');
  });

  it('refuses amounts that are not CNY fen integers and times without offset', () => {
    for (const amount of [
      { total: 12.3, currency: 'CNY' },
      { total: '1230', currency: 'CNY' },
      { total: 1230, currency: 'USD' },
    ]) {
      expect(rejection(notify({ transaction: transaction({ amount }) })).reason).toBe('MALFORMED');
    }
    expect(rejection(notify({ transaction: transaction({ success_time: '2026-11-27 09:59:58' }) })).reason).toBe(
      'MALFORMED',
    );
  });

  it('maps other events and states to kind "other"', () => {
    const closed = accepted(notify({ transaction: transaction({ trade_state: 'CLOSED' }) }));
    expect(closed.kind).toBe('other');
    expect(closed.tradeStatus).toBe('CLOSED');
  });

  it('never puts the APIv3 key or a signature in rejection messages', () => {
    const input = notify({ key: merchant.privateKey });
    const refusal = rejection(input);
    expect(refusal.detail).toBeDefined();
    expect(refusal.detail).not.toContain(API_V3_KEY);
    expect(refusal.detail).not.toContain(String(input.headers['wechatpay-signature']));
  });
});

describe('WechatPayNotificationVerifier answers to WeChat Pay', () => {
  it('acks with 204 and an empty body', () => {
    expect(verifier.acknowledge()).toEqual({ status: 204, contentType: 'text/plain; charset=utf-8', body: '' });
  });

  it('rejects with {"code":"FAIL","message":...}: 401 for signature problems, 400 for malformed, 500 internal', () => {
    const bad = verifier.reject('BAD_SIGNATURE');
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    expect(verifier.reject('MALFORMED').status).toBe(400);
    expect(verifier.reject('FOREIGN_APP_ID').status).toBe(400);
    expect(verifier.reject('INTERNAL_ERROR').status).toBe(500);
    expect(verifier.reject('STALE_TIMESTAMP').status).toBe(401);
  });
});

describe('WechatPayNotificationVerifier configuration', () => {
  it('refuses a short APIv3 key, no platform keys, a mislabelled certificate, and missing ids', () => {
    expect(() => new WechatPayNotificationVerifier(config({ apiV3Key: 'short' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayNotificationVerifier(config({ platformKeys: {} }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayNotificationVerifier(config({ platformKeys: { ABCDEF: certificate.pem } }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_KEY_INVALID' }),
    );
    expect(() => new WechatPayNotificationVerifier(config({ mchId: ' ' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
  });

  it('verifies notifications without a merchant private key, and has no way to sign requests', () => {
    const receiving = new WechatPayNotificationVerifier(
      { appId: APP_ID, mchId: MCH_ID, apiV3Key: API_V3_KEY, platformKeys: { [PUB_KEY_ID]: platform.publicKey } },
      { now: () => NOW },
    );
    expect(accepted(notify(), receiving).kind).toBe('payment-succeeded');
    expect('queryPayment' in receiving).toBe(false);
  });
});
