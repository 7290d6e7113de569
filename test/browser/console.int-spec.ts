import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import {
  chromiumPath,
  eventually,
  startProviderFixtures,
  startSystem,
  type ProviderFixtures,
  type RunningSystem,
} from '@shop/testing';

// The console in a real browser (Debian's Chromium driven by playwright-core) against the real stack: five service
// processes on Kafka and PostgreSQL, the four providers played by their simulators. A customer pays through the
// checkout page with each provider; an admin refunds part of an order, ships it and sees the timeline and ledger
// change; an anomaly is refunded from the queue. Each step saves a screenshot under test-results/console/, and
// every page is checked for labelled inputs, keyboard-reachable actions and a clean console.

const JWT_SECRET = 'browser-secret-0123456789abcdefghijklmnopq';
const SHOTS = path.resolve(__dirname, '../../test-results/console');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let system: RunningSystem;
let fixtures: ProviderFixtures;
let alipay: AlipaySimulator;
let browser: Browser;
const consoleErrors: string[] = [];
const paidOrders: Record<string, string> = {};

beforeAll(async () => {
  const executablePath = chromiumPath();
  fs.mkdirSync(SHOTS, { recursive: true });
  const keys = await generateAlipayKeys();
  alipay = new AlipaySimulator({
    appId: '2021000199990002',
    sellerId: '2088000199990002',
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKeyPem,
  });
  await alipay.start();
  fixtures = await startProviderFixtures();
  const origin = (url: string) => new URL(url).origin;
  system = await startSystem({
    JWT_SECRET,
    ...fixtures.env,
    ALIPAY_APP_ID: '2021000199990002',
    ALIPAY_SELLER_ID: '2088000199990002',
    ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
    ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
    ALIPAY_GATEWAY_URL: alipay.gatewayUrl,
    CONSOLE_SIMULATOR_URLS: [
      `alipay=${origin(alipay.gatewayUrl)}`,
      `wechatpay=${origin(fixtures.env['WECHATPAY_BASE_URL'])}`,
      `unionpay=${origin(fixtures.env['UNIONPAY_GATEWAY_URL'])}`,
      `stripe=${origin(fixtures.env['STRIPE_API_BASE_URL'])}`,
    ].join(','),
    // Anomalies wait in the queue for an admin instead of being refunded automatically.
    ANOMALY_AUTO_REFUND: '',
    REFUND_SWEEP_INTERVAL_MS: '300',
  });
  fixtures.useWebhookUrl(`${system.urls['notification-ingest']}/callbacks/stripe`);
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await fixtures?.stop();
  await alipay?.stop();
});

afterEach(() => {
  // No page may log an error (a failed request the page did not expect, a React warning, a CSP violation).
  const errors = consoleErrors.splice(0);
  expect(errors).toEqual([]);
});

async function newPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, baseURL: system.urls['api-gateway'] });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Only the console's own pages count (a provider's page is not ours), and an API error answer the page shows
    // in words is not a fault: Chromium logs every 4xx fetch as "Failed to load resource".
    if (!page.url().startsWith(system.urls['api-gateway'])) return;
    const resource = message.location().url;
    if (message.text().startsWith('Failed to load resource') && resource.includes('/api/v1/')) return;
    consoleErrors.push(`${page.url()}: ${message.text()} (${resource})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return { context, page };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Every visible input, select and textarea has a label (or an aria-label) that names it. */
async function expectLabelledInputs(page: Page): Promise<void> {
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (elements) =>
    elements
      .filter((e) => {
        // Runs in the page; typed by hand (this project's TypeScript has no DOM library).
        const input = e as unknown as {
          labels: ArrayLike<unknown> | null;
          offsetParent: unknown;
          getAttribute(name: string): string | null;
        };
        const named = (input.labels?.length ?? 0) > 0 || input.getAttribute('aria-label');
        return !named && input.offsetParent !== null;
      })
      .map((e) => e.outerHTML.slice(0, 120)),
  );
  expect(unlabelled).toEqual([]);
}

async function signIn(page: Page, role: 'customer' | 'admin'): Promise<void> {
  await page.goto('/console/sign-in');
  await page.getByRole('button', { name: `Sign in as ${role}` }).click();
  await page.waitForURL(role === 'admin' ? '**/console/admin/orders' : '**/console/shop');
}

/** The customer places an order of one unit of the first product and lands on its checkout page. */
async function placeOrder(page: Page): Promise<string> {
  await page.goto('/console/shop');
  const quantity = page.getByLabel(/^Quantity of /).first();
  await quantity.fill('1');
  await expectLabelledInputs(page);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL('**/console/checkout/*');
  return decodeURIComponent(page.url().split('/').pop()!);
}

async function expectPaid(page: Page): Promise<void> {
  await page
    .getByRole('status')
    .filter({ hasText: /^Paid with/ })
    .waitFor({ timeout: 30_000 });
}

describe('checkout, on a phone-sized screen', () => {
  const cases = [
    { provider: 'alipay', button: 'Alipay (QR code)', kind: 'qr', qr: 'QR code to pay with Alipay' },
    { provider: 'wechatpay', button: 'WeChat Pay (QR code)', kind: 'qr', qr: 'QR code to pay with WeChat Pay' },
    { provider: 'unionpay', button: 'UnionPay (web page)', kind: 'form', link: 'Continue to UnionPay' },
    { provider: 'stripe', button: 'Stripe (card (Stripe Checkout))', kind: 'redirect', link: 'Continue to Stripe' },
  ] as const;

  it.each(cases)(
    'a customer pays with $provider and sees PAID',
    async (c) => {
      const { context, page } = await newPage(PHONE);
      try {
        await signIn(page, 'customer');
        const orderNo = await placeOrder(page);
        await page.getByRole('heading', { name: new RegExp(`Order ${orderNo}`) }).waitFor();
        await page.getByRole('button', { name: c.button }).click();
        if (c.kind === 'qr') {
          // The code the buyer scans, drawn from the provider's qrCode/codeUrl.
          await page.getByRole('img', { name: c.qr }).waitFor();
          await shot(page, `checkout-${c.provider}-qr`);
        } else {
          // The buyer continues at the provider (a posted form for UnionPay, a redirect for Stripe Checkout): here
          // the simulator's page. Back on the checkout, the simulator pays as the buyer would.
          await page.getByRole(c.kind === 'form' ? 'button' : 'link', { name: c.link }).click();
          await page.waitForURL((url) => !url.pathname.startsWith('/console/'));
          expect(await page.content()).toContain(orderNo);
          await page.goto(`/console/checkout/${orderNo}`);
        }
        await page.getByRole('button', { name: 'Simulate payment' }).click();
        await expectPaid(page);
        await shot(page, `checkout-${c.provider}-paid`);
        paidOrders[c.provider] = orderNo;
      } finally {
        await context.close();
      }
    },
    60_000,
  );

  it('without simulators (as in production) redirects to Stripe and submits UnionPay’s form by itself', async () => {
    const { context, page } = await newPage(PHONE);
    try {
      // The page as production serves it: no simulators, so no "Simulate payment" and no waiting on this page.
      await page.route('**/console/settings.json', (route) =>
        route.fulfill({ json: { devSignIn: true, simulators: [] } }),
      );
      await signIn(page, 'customer');
      for (const [button, orderField] of [
        ['Stripe (card (Stripe Checkout))', 'stripe'],
        ['UnionPay (web page)', 'unionpay'],
      ] as const) {
        const orderNo = await placeOrder(page);
        await page.getByRole('button', { name: button }).click();
        await page.waitForURL((url) => !url.pathname.startsWith('/console/'), { timeout: 15_000 });
        expect({ provider: orderField, page: await page.content() }).toMatchObject({
          page: expect.stringContaining(orderNo),
        });
      }
    } finally {
      await context.close();
    }
  }, 60_000);

  it('names a server error in words, with its code’s meaning', async () => {
    const { context, page } = await newPage(PHONE);
    try {
      await signIn(page, 'customer');
      await page.goto('/console/checkout/NOSUCHORDER0001');
      await page.getByRole('alert').filter({ hasText: 'There is no such order' }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe('admin console', () => {
  it('finds a paid order, refunds part of it, ships it, and sees the timeline and ledger change', async () => {
    const orderNo = paidOrders['alipay'];
    expect(orderNo).toBeDefined();
    const { context, page } = await newPage(DESKTOP);
    try {
      await signIn(page, 'admin');
      await page.getByLabel('Order number').fill(orderNo);
      await expectLabelledInputs(page);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: orderNo }).click();
      await page.getByRole('heading', { name: /^Ledger$/ }).waitFor();
      await page.getByRole('cell', { name: 'assets:alipay-clearing' }).first().waitFor();
      const ledgerRows = await page.locator('section[aria-labelledby=ledger] tbody tr').count();
      expect(ledgerRows).toBe(2);

      // Refund half, from the keyboard: the action is reachable with Tab and Enter.
      const total = (await page.locator('.facts dd').nth(1).innerText()).replace(/[^\d.]/g, '');
      const half = (Math.floor(Math.round(Number(total) * 100) / 2) / 100).toFixed(2);
      await page.getByRole('button', { name: 'Refund' }).focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/^Amount/).fill(half);
      await dialog.getByLabel('Reason').fill('one item arrived damaged');
      await expectLabelledInputs(page);
      await shot(page, 'admin-refund-dialog');
      await dialog.getByRole('button', { name: 'Refund' }).click();
      await eventually(
        async () => ((await page.getByTestId('refunded').innerText()).includes(half) ? true : undefined),
        { timeoutMs: 30_000, message: 'the refund shown on the order' },
      ).catch(async (error: unknown) => {
        await page.reload();
        throw error;
      });
      await page.getByRole('cell', { name: 'one item arrived damaged' }).waitFor();

      await page.getByRole('button', { name: 'Ship' }).click();
      await dialog.getByLabel('Carrier').fill('SF Express');
      await dialog.getByLabel('Tracking number').fill('SF1234567890');
      await dialog.getByRole('button', { name: 'Mark shipped' }).click();
      await page.getByText('SF1234567890', { exact: true }).waitFor();

      // The timeline names who did what; the ledger now holds the refund's posting too.
      await eventually(
        async () => {
          await page.reload();
          const timeline = await page.locator('.timeline').innerText();
          const rows = await page.locator('section[aria-labelledby=ledger] tbody tr').count();
          return /shipped by console-admin/i.test(timeline) && rows > 2 ? true : undefined;
        },
        { timeoutMs: 30_000, message: 'timeline with the shipment by console-admin and the refund in the ledger' },
      );
      await shot(page, 'admin-order-refunded-shipped');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('cancels an unpaid order; its checkout page then says so', async () => {
    const customer = await newPage(PHONE);
    const admin = await newPage(DESKTOP);
    try {
      await signIn(customer.page, 'customer');
      const orderNo = await placeOrder(customer.page);
      await signIn(admin.page, 'admin');
      await admin.page.goto(`/console/admin/orders/${orderNo}`);
      await admin.page.getByRole('button', { name: 'Cancel order' }).click();
      const dialog = admin.page.getByRole('dialog');
      await dialog.getByLabel('Note (optional)').fill('customer asked by phone');
      await dialog.getByRole('button', { name: 'Cancel the order' }).click();
      await admin.page.getByText('CANCELLED', { exact: true }).first().waitFor();
      // The customer's open checkout page follows the order and says it was cancelled.
      await customer.page
        .getByRole('status')
        .filter({ hasText: 'This order was cancelled' })
        .waitFor({ timeout: 15_000 });
      expect(await customer.page.getByRole('button', { name: /Alipay/ }).count()).toBe(0);
    } finally {
      await customer.context.close();
      await admin.context.close();
    }
  }, 60_000);

  it('refunds an anomaly from the queue', async () => {
    const orderNo = paidOrders['alipay'];
    // The buyer pays the paid order a second time: a DUPLICATE_PAYMENT anomaly that waits for an admin.
    const late = await alipay.pay(orderNo, { newTransaction: true });
    expect(late.body).toBe('success');
    const { context, page } = await newPage(DESKTOP);
    try {
      await signIn(page, 'admin');
      const refund = page.getByRole('button', { name: `Refund ${late.notification['trade_no']}` });
      await eventually(
        async () => {
          await page.goto('/console/admin/anomalies');
          await page.getByRole('table').waitFor();
          return (await refund.count()) > 0 ? true : undefined;
        },
        { timeoutMs: 30_000, message: 'the anomaly in the queue' },
      );
      await expectLabelledInputs(page);
      await shot(page, 'admin-anomalies');
      await refund.click();
      await page.getByRole('dialog').getByRole('button', { name: 'Refund' }).click();
      await eventually(
        async () => {
          await page.goto('/console/admin/anomalies?status=all');
          const row = page.getByRole('row').filter({ hasText: String(late.notification['trade_no']) });
          const text = (await row.count()) > 0 ? await row.innerText() : '';
          return /REFUND(ING|ED)/.test(text) ? true : undefined;
        },
        { timeoutMs: 30_000, message: 'the anomaly refunding or refunded' },
      );
    } finally {
      await context.close();
    }
  }, 90_000);

  it('draws the dashboard: payments, success rate, callbacks by outcome and anomalies', async () => {
    const { context, page } = await newPage(DESKTOP);
    try {
      await signIn(page, 'admin');
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL('**/console/admin/dashboard');
      // Callback counts reach the database every few seconds: reload until this run's callbacks are in.
      let seen = '';
      await eventually(
        async () => {
          await page.reload();
          await page.getByRole('img', { name: 'Callbacks by outcome: chart' }).waitFor();
          const legends = await page.locator('.legend').allInnerTexts();
          seen = legends.join(' | ');
          const count = (pattern: RegExp) => Number(pattern.exec(legends.join('\n'))?.[1] ?? 0);
          return count(/^\s*started: (\d+)$/m) >= 4 &&
            count(/^\s*succeeded: (\d+)$/m) >= 4 &&
            count(/^\s*accepted: (\d+)$/m) >= 5 &&
            count(/^\s*DUPLICATE_PAYMENT: (\d+)$/m) >= 1
            ? true
            : undefined;
        },
        { timeoutMs: 30_000, message: "this run's payments, callbacks and anomaly on the dashboard" },
      ).catch(async (error: Error) => {
        await shot(page, 'admin-dashboard-failed');
        throw new Error(`${error.message}; the legends said: ${seen}`);
      });
      for (const title of ['Payments per slot', 'Success rate', 'Callbacks by outcome', 'Anomalies by type']) {
        await page.getByRole('img', { name: `${title}: chart` }).waitFor();
      }
      expect(await page.locator('figure.chart rect').count()).toBeGreaterThan(4);
      await expectLabelledInputs(page);
      await shot(page, 'admin-dashboard');
    } finally {
      await context.close();
    }
  }, 60_000);
});
