import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { PROVIDER_NAMES, type ProviderName } from '@shop/contracts';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { service } from '../service';

// Source checks must be decided on the route the router matched, not on how the path was spelled: the router
// decodes percent-escapes and drops the query, so a pattern over the raw URL lets `/callbacks/%61lipay` through.
// The providers are left unconfigured here: a request that reaches a callback handler then answers
// 404 PROVIDER_DISABLED, which tells "reached the handler" apart from "no such route" without any signing.

const ALLOWED = '110.75.1.1';
const OUTSIDE = '198.51.100.7';
const PROXY = '127.0.0.1';

/** Ways to spell a path; `p` is the provider name. Some reach the handler, some are no route at all. */
function spellings(p: string): string[] {
  const hex = (s: string) => [...s].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
  const upperHex = (s: string) => hex(s).toUpperCase();
  return [
    `/callbacks/${p}`,
    `/callbacks/${p}?x=1`,
    `/callbacks/${p}?`,
    `/callbacks/%${p.charCodeAt(0).toString(16)}${p.slice(1)}`,
    `/callbacks/${hex(p)}`,
    `/callbacks/${upperHex(p)}`,
    `/${hex('callbacks')}/${p}`,
    `/callbacks%2F${p}`,
    `/callbacks/${p}/`,
    `//callbacks/${p}`,
    `/callbacks//${p}`,
    `/callbacks/./${p}`,
    `/callbacks/../callbacks/${p}`,
    `/callbacks/${p};x=1`,
    `/callbacks/${p}%00`,
    `/callbacks/${p}%20`,
    `/callbacks/${p}#frag`,
    `/CALLBACKS/${p}`,
    `/callbacks/${p.toUpperCase()}`,
    `/callbacks/${p}%3Fx=1`,
  ];
}

interface Answer {
  status: number;
  body: string;
}

/** Sends a raw HTTP/1.1 request line as written (no client-side normalisation of the target). */
function rawPost(port: number, target: string, forwardedFor: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    const body = '{"id":"n-1"}';
    socket.write(
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `X-Forwarded-For: ${forwardedFor}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
}

/** The provider's handler answered (with everything disabled: 404 PROVIDER_DISABLED in its provider's format). */
function reachedHandler(answer: Answer): boolean {
  return answer.status === 404 && answer.body.includes('PROVIDER_DISABLED');
}

/** Refused by the source check, in the provider's refusal format (WeChat Pay: {"code":"FAIL"}). */
function refusedSource(answer: Answer, provider: ProviderName): boolean {
  if (answer.status !== 403) return false;
  const parsed = JSON.parse(answer.body) as { code?: string; message?: string };
  return provider === 'wechatpay'
    ? parsed.code === 'FAIL' && (parsed.message ?? '').startsWith('SOURCE_NOT_ALLOWED: ')
    : parsed.code === 'SOURCE_NOT_ALLOWED';
}

describe('callback source checks for every spelling of a callback path', () => {
  let ingest: RunningService<NotificationIngestConfig>;
  let port: number;

  beforeAll(async () => {
    ingest = await startServiceForTest(service, {
      ALIPAY_CALLBACK_ALLOWED_IPS: '110.75.0.0/16',
      WECHATPAY_CALLBACK_ALLOWED_IPS: '110.75.0.0/16',
      UNIONPAY_CALLBACK_ALLOWED_IPS: '110.75.0.0/16',
      STRIPE_CALLBACK_ALLOWED_IPS: '110.75.0.0/16',
      // The test client is the "proxy" on loopback; it says who the caller is.
      TRUSTED_PROXIES: `${PROXY}/32`,
      CALLBACK_REJECTIONS_PER_MINUTE: '1000',
    });
    await ingest.app.listen(0, PROXY);
    port = (ingest.app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  it.each(PROVIDER_NAMES)(
    '%s: every spelling that reaches the handler is refused from outside the allowlist',
    async (provider) => {
      const reaching: string[] = [];
      const leaks: string[] = [];
      for (const target of spellings(provider)) {
        const allowed = await rawPost(port, target, ALLOWED);
        const outside = await rawPost(port, target, OUTSIDE);
        expect(outside.status).toBeLessThan(500);
        if (reachedHandler(allowed)) {
          reaching.push(target);
          if (!refusedSource(outside, provider)) leaks.push(`${target} -> ${outside.status} ${outside.body}`);
        } else if (reachedHandler(outside)) {
          leaks.push(`${target} reached the handler only from outside: ${outside.status}`);
        }
      }
      expect(leaks).toEqual([]);
      // The check above is only worth something if the router really accepts other spellings.
      expect(reaching).toEqual(
        expect.arrayContaining(
          [`/callbacks/${provider}`, `/callbacks/${provider}?x=1`, `/callbacks/%61lipay`].filter(
            (t) => provider === 'alipay' || !t.includes('%61'),
          ),
        ),
      );
      expect(reaching.length).toBeGreaterThan(3);
      const [{ n }] = await ingest.app.get(DataSource).query('SELECT count(*)::int AS n FROM provider_notifications');
      expect(n).toBe(0);
    },
  );

  it('refuses an absolute-form request target from outside the allowlist', async () => {
    for (const provider of PROVIDER_NAMES) {
      const target = `http://127.0.0.1:${port}/callbacks/${provider}`;
      const allowed = await rawPost(port, target, ALLOWED);
      const outside = await rawPost(port, target, OUTSIDE);
      if (reachedHandler(allowed)) expect(refusedSource(outside, provider)).toBe(true);
      else expect(reachedHandler(outside)).toBe(false);
    }
  });

  it('counts a refusal of an encoded spelling under its provider', async () => {
    // Node's client sends the path as given.
    const post = (path: string, source: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: PROXY,
            port,
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', 'x-forwarded-for': source },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end('{"id":"n-1"}');
      });
    const metrics = async () => (await ingest.request({ method: 'GET', url: '/metrics' })).body;
    const before = await metrics();
    await post('/callbacks/%77echatpay', OUTSIDE);
    const after = await metrics();
    const line = (text: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith('payment_callbacks_total{provider="wechatpay",outcome="rejected_source"}'))
          ?.split(' ')
          .pop() ?? 0,
      );
    expect(line(after)).toBe(line(before) + 1);
  });
});
