// `npm run simulate -- <provider> <action> <orderNo>`: drives the local provider simulators that `npm start`
// runs, as a provider would: pay an order (a correctly signed notification), send duplicates, tampered, replayed
// or late copies. The order must have a payment started with that provider (the simulator knows the trade from it).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { PROVIDERS, loadDotEnv, simulatorPort } from './lib/dev-env.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = 30_000;

const PORTS = PROVIDERS.map((p) => `${p.portVariable} ${p.defaultPort}`);
const USAGE = `Usage: npm run simulate -- <provider> <action> <orderNo>

Sends the provider's notifications for an order to our notification-ingest, through the simulator \`npm start\`
runs, and summarises the answers. Start a payment with that provider first:
POST /api/v1/orders/<orderNo>/payments {"provider":"<provider>","method":...}, and for UnionPay (and Alipay's
page method) pipe its answer into \`npm run simulate -- <provider> open <orderNo>\`.

  providers:  alipay, wechatpay, unionpay, stripe
  actions:
    open       the buyer's browser step, for payments that need one: reads the answer of starting the payment
               (JSON) on stdin and posts its form (unionpay) or opens its redirectUrl (alipay page) at the simulator
    pay        one correctly signed payment notification (expect acknowledged; the order becomes PAID)
    duplicate  the same notification 10 times at once, each signed as a provider retry
               (expect 10 x acknowledged, one effect)
    tamper     the notification changed after signing (expect rejected, nothing recorded)
    replay     a notification, then a byte-exact copy of that delivered request
               wechatpay: same timestamp and nonce (expect the copy refused as a replay)
               stripe: same t= and signature; Stripe signs no nonce (expect acknowledged as a duplicate of the
               event id, no new effect; refused once older than 300 s)
               alipay, unionpay: no nonce, the same notification again (expect acknowledged, no new effect)
    late       another payment for an order already paid or cancelled/expired
               (expect acknowledged, recorded as a DUPLICATE_PAYMENT or LATE_PAYMENT anomaly)
    refund-notify
               the provider's notification of the order's latest refund, sent again (refund it first:
               POST /api/v1/admin/orders/<orderNo>/refunds); alipay: TRADE_SUCCESS with refund_fee (or
               TRADE_CLOSED after a full refund), wechatpay: REFUND.SUCCESS, unionpay: txnType 04, stripe:
               refund.updated (expect acknowledged, never read as a payment, the refund settled once)
  orderNo:    8 to 32 letters or digits

Simulator ports (set them as for \`npm start\`): ${PORTS.slice(0, 2).join(', ')},
  ${PORTS.slice(2).join(', ')}.
Exit code: 0 once the simulator delivered (whatever the answers), 1 when it does not answer or refuses, 2 on bad
usage.`;

/** Where each provider's control API keeps the order's trade (Stripe: its Checkout Session, found by order). */
const CONTROL_PATHS = {
  alipay: (orderNo) => `/_simulator/alipay/trades/${orderNo}/pay`,
  wechatpay: (orderNo) => `/_simulator/wechatpay/trades/${orderNo}/pay`,
  unionpay: (orderNo) => `/_simulator/unionpay/trades/${orderNo}/pay`,
  stripe: (orderNo) => `/_simulator/stripe/sessions/${orderNo}/pay`,
};

/** Where each simulator re-sends the notification of an order's latest refund. */
const REFUND_NOTIFY_PATHS = {
  alipay: (orderNo) => `/_simulator/alipay/trades/${orderNo}/refund-notify`,
  wechatpay: (orderNo) => `/_simulator/wechatpay/trades/${orderNo}/refund-notify`,
  unionpay: (orderNo) => `/_simulator/unionpay/trades/${orderNo}/refund-notify`,
  stripe: (orderNo) => `/_simulator/stripe/sessions/${orderNo}/refund-notify`,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const wechatNonce = () => randomBytes(16).toString('hex').toUpperCase();

/**
 * The control calls (pay options, one request each) an action makes, per provider. Every call of an action is
 * sent at once. Options are those of each simulator's control API (see its *PayOptions).
 */
const ACTIONS = {
  pay: () => [{}],
  // Alipay and UnionPay sign without a timestamp of their own: a retry is the same request. WeChat Pay signs
  // each delivery with a fresh nonce; Stripe with a fresh t=, which needs separate calls (one t= per call).
  duplicate: (provider) =>
    provider === 'stripe'
      ? Array.from({ length: 10 }, (_, i) => ({ timestamp: nowSeconds() - i }))
      : [{ concurrent: 10 }],
  tamper: (provider) => [
    {
      alipay: { tamper: { total_amount: '0.01' } },
      wechatpay: { tamper: { replace: { '"summary":"支付成功"': '"summary":"支付失败"' } } },
      unionpay: { tamper: { txnAmt: '1', settleAmt: '1' } },
      stripe: { tamper: true },
    }[provider],
  ],
  // Two sequential deliveries of one call carry the same bytes once timestamp (and nonce) are fixed.
  replay: (provider) => [
    {
      alipay: { times: 2 },
      unionpay: { times: 2 },
      wechatpay: { times: 2, timestamp: nowSeconds(), nonce: wechatNonce() },
      stripe: { times: 2, timestamp: nowSeconds() },
    }[provider],
  ],
  late: () => [{ newTransaction: true }],
  'refund-notify': () => [{}],
};

// `open` is not a notification: it has no control call of its own.
const ALL_ACTIONS = ['open', ...Object.keys(ACTIONS)];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function usage(problem) {
  if (problem) process.stderr.write(`${problem}\n\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** One control call; exits 1 when the simulator does not answer or refuses. */
async function control(provider, url, options) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(options),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    fail(`The ${provider} simulator does not answer at ${new URL(url).origin}. Is \`npm start\` running?`);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = JSON.parse(text).error ?? text;
    } catch {
      // not JSON: shown as it is
    }
    const hint =
      response.status === 404
        ? `\nStart a ${provider} payment for the order first (POST /api/v1/orders/<orderNo>/payments)` +
          ' (refund-notify: refund it first).'
        : response.status === 409
          ? '\nThe trade is closed at the simulator; `late` sends another payment even then.'
          : '';
    fail(`The ${provider} simulator refused (${response.status}): ${message}${hint}`);
  }
  return JSON.parse(text);
}

/** Identical answers counted together, in order of first appearance. */
function countBy(items) {
  const counts = new Map();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

function answerOf(delivery) {
  const body = delivery.body === '' ? '(empty body)' : JSON.stringify(delivery.body);
  return `${delivery.type ? `${delivery.type} ` : ''}${delivery.status} ${body}`;
}

async function readStdin() {
  if (process.stdin.isTTY) return '';
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What the buyer's browser does with a started payment: UnionPay's signed form is posted to the gateway (only
 * then does UnionPay know the payment), Alipay's page.pay URL is opened. Only local simulators are contacted.
 */
async function open(provider, orderNo) {
  const text = (await readStdin()).trim();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    usage(
      'open reads the answer of POST /api/v1/orders/<orderNo>/payments (JSON) on stdin:\n' +
        '  curl ... | npm run simulate -- unionpay open <orderNo>',
    );
  }
  if (answer?.provider !== undefined && answer.provider !== provider) {
    usage(`That payment is a ${answer.provider} payment, not ${provider}.`);
  }
  let request;
  if (answer?.form?.action && answer.form.fields) {
    if (answer.form.fields.orderId !== undefined && answer.form.fields.orderId !== orderNo) {
      usage(`That form is for order ${answer.form.fields.orderId}, not ${orderNo}.`);
    }
    request = {
      url: answer.form.action,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(answer.form.fields).toString(),
    };
  } else if (answer?.redirectUrl || answer?.checkoutUrl) {
    request = { url: answer.redirectUrl ?? answer.checkoutUrl, method: 'GET' };
  } else if (answer?.qrCode || answer?.codeUrl) {
    process.stdout.write(`${provider} open ${orderNo}: nothing to open, the provider already knows this payment
`);
    return;
  } else {
    usage('The JSON on stdin holds no form, redirectUrl, checkoutUrl, qrCode or codeUrl of a started payment.');
  }
  let target;
  try {
    target = new URL(request.url);
  } catch {
    fail(`Not a URL: ${request.url}`);
  }
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
    fail(`${target.origin} is not a local simulator; open that payment in a browser instead.`);
  }
  let response;
  try {
    response = await fetch(target, { ...request, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    fail(`The ${provider} simulator does not answer at ${target.origin}. Is \`npm start\` running?`);
  }
  const page = await response.text();
  if (!response.ok) {
    const reason = /<h1>([^<]*)<\/h1>/.exec(page)?.[1] ?? page.slice(0, 200);
    fail(`The ${provider} simulator refused the payment page (${response.status}): ${reason}`);
  }
  process.stdout.write(
    `${provider} open ${orderNo}: the simulator shows the payment page (${response.status}); ` +
      `pay it with npm run simulate -- ${provider} pay ${orderNo}\n`,
  );
}

async function main() {
  loadDotEnv(ROOT);
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [providerName, action, orderNo] = args;
  if (args.length !== 3) usage(`Expected 3 arguments, got ${args.length}.`);
  const provider = PROVIDERS.find((p) => p.name === providerName);
  if (!provider) usage(`Unknown provider ${JSON.stringify(providerName)}.`);
  if (!ALL_ACTIONS.includes(action)) usage(`Unknown action ${JSON.stringify(action)}.`);
  if (!/^[A-Za-z0-9]{8,32}$/.test(orderNo)) usage(`Not an order number: ${JSON.stringify(orderNo)}.`);
  if (action === 'open') return open(provider.name, orderNo);

  const port = simulatorPort(process.env, provider);
  if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`${provider.portVariable} must be a port number.`);
  const paths = action === 'refund-notify' ? REFUND_NOTIFY_PATHS : CONTROL_PATHS;
  const url = `http://127.0.0.1:${port}${paths[provider.name](encodeURIComponent(orderNo))}`;
  const results = await Promise.all(
    ACTIONS[action](provider.name).map((options) => control(provider.name, url, options)),
  );
  const deliveries = results.flatMap((result) => result.deliveries ?? [result]);
  process.stdout.write(`${provider.name} ${action} ${orderNo}: ${deliveries.length} delivery(ies)\n`);
  for (const [answer, count] of countBy(deliveries.map(answerOf))) process.stdout.write(`  ${count} x ${answer}\n`);
}

await main();
