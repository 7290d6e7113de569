import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { service } from '../service';
import type { ProviderName } from '@shop/contracts';

// A deployment configures only the providers it uses; the others' endpoints exist but answer 404.
describe('callback endpoints of providers that are not configured', () => {
  let ingest: RunningService<NotificationIngestConfig>;
  let startupLines: unknown[];

  beforeAll(async () => {
    const log = jest.spyOn(Logger.prototype, 'log');
    try {
      ingest = await startServiceForTest(service);
      startupLines = log.mock.calls.map(([message]) => message);
    } finally {
      log.mockRestore();
    }
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  it.each<[ProviderName, string, string, string]>([
    ['alipay', 'ALIPAY_APP_ID', 'application/x-www-form-urlencoded', 'notify_id=1&sign=x'],
    ['wechatpay', 'WECHATPAY_APP_ID', 'application/json', '{"id":"n-1"}'],
    ['unionpay', 'UNIONPAY_MER_ID', 'application/x-www-form-urlencoded', 'queryId=1&signature=x'],
    ['stripe', 'STRIPE_WEBHOOK_SECRET', 'application/json', '{"id":"evt_1"}'],
  ])('POST /callbacks/%s answers 404 PROVIDER_DISABLED, as logged at start', async (provider, variable, type, body) => {
    const response = await ingest.request({
      method: 'POST',
      url: `/callbacks/${provider}`,
      headers: { 'content-type': type },
      payload: body,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(
      provider === 'wechatpay'
        ? { code: 'FAIL', message: expect.stringMatching(/^PROVIDER_DISABLED: /) }
        : expect.objectContaining({ statusCode: 404, code: 'PROVIDER_DISABLED' }),
    );
    expect(startupLines).toContain(
      `${provider} callbacks disabled: ${variable} is not set; POST /callbacks/${provider} answers 404 PROVIDER_DISABLED`,
    );
  });
});
