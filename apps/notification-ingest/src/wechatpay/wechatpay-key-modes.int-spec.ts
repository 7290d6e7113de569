import 'reflect-metadata';
import { Money } from '@shop/money';
import {
  WechatPaySimulator,
  generateWechatPayKeys,
  generateWechatPayPlatformCertificate,
  randomAlphanumeric,
  type WechatPayKeys,
  type WechatPayPlatformCertificate,
} from '@shop/provider-simulators';
import { WechatPayClient } from '@shop/providers';
import { CallbackHarness, withOutcomes } from '../../test/callback-harness';

const APP_ID = 'wx7777777777777777';
const MCH_ID = '1900000200';
const API_V3_KEY = randomAlphanumeric(32);

// During WeChat Pay's migration from platform certificates to the public key, notifications arrive signed under
// either: the service holds both (WECHATPAY_PUBLIC_KEY + _ID and WECHATPAY_PLATFORM_CERTS, two certificates as a
// certificate rotation has them) and picks the key by Wechatpay-Serial.
describe('POST /callbacks/wechatpay with the public key and platform certificates at once', () => {
  let harness: CallbackHarness;
  let keys: WechatPayKeys;
  let certificates: WechatPayPlatformCertificate[];
  let simulator: WechatPaySimulator;
  let merchant: WechatPayClient;

  beforeAll(async () => {
    keys = await generateWechatPayKeys({ platformCertificate: true });
    certificates = [keys.platformCertificate!, await generateWechatPayPlatformCertificate()];
    harness = await CallbackHarness.start({
      WECHATPAY_APP_ID: APP_ID,
      WECHATPAY_MCH_ID: MCH_ID,
      WECHATPAY_API_V3_KEY: API_V3_KEY,
      WECHATPAY_PUBLIC_KEY: keys.platform.publicKeyPem,
      WECHATPAY_PUBLIC_KEY_ID: keys.platform.publicKeyId,
      // Concatenated, on one line with literal "\n", as an env file carries them.
      WECHATPAY_PLATFORM_CERTS: certificates
        .map((c) => c.certificatePem)
        .join('')
        .replace(/\n/g, '\\n'),
    });
    simulator = new WechatPaySimulator({
      appId: APP_ID,
      mchId: MCH_ID,
      apiV3Key: API_V3_KEY,
      merchantPublicKey: keys.merchant.publicKeyPem,
      merchantCertSerial: keys.merchant.certSerial,
      platformPrivateKey: keys.platform.privateKeyPem,
      platformSerial: keys.platform.publicKeyId,
    });
    await simulator.start();
    merchant = new WechatPayClient({
      appId: APP_ID,
      mchId: MCH_ID,
      privateKey: keys.merchant.privateKeyPem,
      certSerial: keys.merchant.certSerial,
      platformKeys: { [keys.platform.publicKeyId]: keys.platform.publicKeyPem },
      baseUrl: simulator.baseUrl,
    });
  });

  afterAll(async () => {
    await simulator?.stop();
    await harness?.stop();
  });

  async function knownTrade(totalFen: number): Promise<string> {
    const orderNo = harness.newOrderNo();
    await harness.knownOrder(orderNo, totalFen);
    await merchant.createPayment({
      orderNo,
      amount: Money.of(totalFen, 'CNY'),
      subject: 'tea',
      method: 'native',
      notifyUrl: harness.url('wechatpay'),
    });
    return orderNo;
  }

  it('accepts a notification signed under the public key id', async () => {
    const orderNo = await knownTrade(1_000);
    const { result, outcomes } = await withOutcomes(harness, 'wechatpay', () => simulator.pay(orderNo));
    expect(outcomes).toEqual({ accepted: 1 });
    expect(result.status).toBe(204);
    expect((await harness.rowsOf(orderNo))[0].fields['wechatpay-serial']).toBe(keys.platform.publicKeyId);
  });

  it.each([0, 1])('accepts a notification signed with platform certificate %i, under its serial', async (index) => {
    const certificate = certificates[index];
    expect(certificate.serial).toMatch(/^[0-9A-F]{40}$/);
    const orderNo = await knownTrade(2_000 + index);
    const { result, outcomes } = await withOutcomes(harness, 'wechatpay', () =>
      simulator.pay(orderNo, { signWithKey: certificate.privateKeyPem, serial: certificate.serial }),
    );
    expect(outcomes).toEqual({ accepted: 1 });
    expect(result.status).toBe(204);
    expect(await harness.rowsOf(orderNo)).toEqual([
      expect.objectContaining({ amount: String(2_000 + index), classification: 'payment' }),
    ]);
    expect((await harness.settledPaymentsOf(orderNo)).map((e) => e.payload)).toEqual([
      expect.objectContaining({ amount: 2_000 + index, currency: 'CNY' }),
    ]);
  });

  it('picks the key by Wechatpay-Serial: a valid signature under another serial is refused', async () => {
    const orderNo = await knownTrade(3_000);
    const { result, outcomes } = await withOutcomes(harness, 'wechatpay', () =>
      simulator.pay(orderNo, { signWithKey: certificates[0].privateKeyPem, serial: certificates[1].serial }),
    );
    expect(outcomes).toEqual({ rejected_signature: 1 });
    expect(result.status).toBe(401);
    expect(await harness.rowsOf(orderNo)).toEqual([]);
  });
});
