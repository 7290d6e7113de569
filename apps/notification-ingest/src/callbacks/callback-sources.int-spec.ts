import { DataSource } from 'typeorm';
import { generateAlipayKeys } from '@shop/provider-simulators';
import { type ProviderFixtures, startProviderFixtures, startServiceForTest, type RunningService } from '@shop/testing';
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

  it('counts every spelling of the path against the same limit', async () => {
    const noisy = '203.0.113.60';
    const spelled = (url: string) =>
      ingest.request({ method: 'POST', url, remoteAddress: noisy, headers: FORM, payload: BAD_FORM });
    for (const url of ['/callbacks/%61lipay', '/callbacks/alipay?x=1', '/callbacks/%61%6c%69%70%61%79']) {
      expect((await spelled(url)).statusCode).toBe(400);
    }
    expect((await spelled('/callbacks/alipay')).statusCode).toBe(429);
    expect((await spelled('/callbacks/%61lipay')).statusCode).toBe(429);
  });
});

// Every provider's route has its own allowlist: a caller allowed for one provider is refused by another's.
describe.each([
  ['wechatpay', 'WECHATPAY_CALLBACK_ALLOWED_IPS', 'application/json', '{"id":"x"}'],
  ['unionpay', 'UNIONPAY_CALLBACK_ALLOWED_IPS', 'application/x-www-form-urlencoded', 'orderId=ORDER0001'],
  ['stripe', 'STRIPE_CALLBACK_ALLOWED_IPS', 'application/json', '{"id":"evt_x"}'],
])('callback source checks of %s', (provider, variable, contentType, payload) => {
  let fixtures: ProviderFixtures;
  let ingest: RunningService<NotificationIngestConfig>;

  beforeAll(async () => {
    fixtures = await startProviderFixtures();
    ingest = await startServiceForTest(service, { ...fixtures.env, [variable]: '101.226.0.0/16' });
  });

  afterAll(async () => {
    await ingest?.stop();
    await fixtures?.stop();
  });

  const post = (remoteAddress: string) =>
    ingest.request({
      method: 'POST',
      url: `/callbacks/${provider}`,
      remoteAddress,
      headers: { 'content-type': contentType },
      payload,
    });

  it('refuses a caller outside its allowlist with 403 and stores nothing', async () => {
    const response = await post('110.75.1.1');
    expect(response.statusCode).toBe(403);
    // WeChat Pay reads every refusal as {"code":"FAIL","message"}; the others get our coded error.
    expect(response.json()).toEqual(
      provider === 'wechatpay'
        ? { code: 'FAIL', message: expect.stringMatching(/^SOURCE_NOT_ALLOWED: /) }
        : expect.objectContaining({ code: 'SOURCE_NOT_ALLOWED' }),
    );
    const [{ n }] = await ingest.app.get(DataSource).query('SELECT count(*)::int AS n FROM provider_notifications');
    expect(n).toBe(0);
  });

  it('lets a caller inside its allowlist through to verification', async () => {
    const response = await post('101.226.3.4');
    // Not a valid notification: refused by verification (4xx), not by the source check.
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect([403, 429]).not.toContain(response.statusCode);
  });
});
