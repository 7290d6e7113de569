import { DataSource } from 'typeorm';
import { generateAlipayKeys } from '@shop/provider-simulators';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { service } from '../service';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BAD_FORM = 'notify_id=1&out_trade_no=ORDER0001&sign=AAAA';

describe('callback source checks', () => {
  let ingest: RunningService<NotificationIngestConfig>;

  beforeAll(async () => {
    const keys = await generateAlipayKeys();
    ingest = await startServiceForTest(service, {
      ALIPAY_APP_ID: '2021000000000001',
      ALIPAY_SELLER_ID: '2088000000000001',
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
      ALIPAY_CALLBACK_ALLOWED_IPS: '110.75.0.0/16, 203.0.113.0/24',
      TRUSTED_PROXIES: '10.0.0.0/8',
      CALLBACK_REJECTIONS_PER_MINUTE: '3',
    });
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  const post = (remoteAddress: string, headers: Record<string, string> = {}, payload = BAD_FORM) =>
    ingest.request({
      method: 'POST',
      url: '/callbacks/alipay',
      remoteAddress,
      headers: { ...FORM, ...headers },
      payload,
    });

  async function storedCount(): Promise<number> {
    const [{ n }] = await ingest.app.get(DataSource).query('SELECT count(*)::int AS n FROM provider_notifications');
    return n as number;
  }

  async function counter(outcome: string): Promise<number> {
    const text = (await ingest.request({ method: 'GET', url: '/metrics' })).body;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`payment_callbacks_total{provider="alipay",outcome="${outcome}"}`));
    return Number(line?.split(' ').pop() ?? 0);
  }

  it('refuses a caller outside the allowlist with 403 and stores nothing', async () => {
    const before = await counter('rejected_source');
    const response = await post('198.51.100.7');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    expect(await counter('rejected_source')).toBe(before + 1);
    expect(await storedCount()).toBe(0);
  });

  it('lets an allowed caller through to verification', async () => {
    const response = await post('110.75.1.1');
    expect(response.statusCode).toBe(400); // the body is not a valid notification: verification refused it
    expect(response.body).toBe('fail');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const response = await post('198.51.100.7', { 'x-forwarded-for': '110.75.1.1' });
    expect(response.statusCode).toBe(403);
  });

  it('believes X-Forwarded-For from a trusted proxy, up to the first untrusted hop', async () => {
    expect((await post('10.1.2.3', { 'x-forwarded-for': '110.75.9.9' })).statusCode).toBe(400);
    // A forged left-most entry does not help a caller outside the allowlist.
    expect((await post('10.1.2.3', { 'x-forwarded-for': '110.75.9.9, 198.51.100.7' })).statusCode).toBe(403);
  });

  it('answers 429 to a source that keeps sending refused callbacks, and only to that source', async () => {
    const noisy = '203.0.113.50';
    for (let i = 0; i < 3; i++) expect((await post(noisy)).statusCode).toBe(400);
    const limited = await post(noisy);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect((await post('203.0.113.51')).statusCode).toBe(400);
  });
});
