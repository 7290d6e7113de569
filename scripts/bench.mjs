// `npm run bench -- [--n 2000] [--concurrency 50] [--provider alipay]`: a load benchmark against a system started
// with `npm start` (default ports and simulators, keys from .cache/dev/secrets.json). It creates N orders through
// the public API, then drives N correctly signed payment notifications at the given concurrency, waits until every
// order is PAID, and prints callbacks/s, acknowledgement latency, callback-to-PAID latency, and each service's CPU
// time and peak memory. It is a measurement, not a test.
//   alipay (default): notifications signed here with the simulator's Alipay key, posted straight at the ingest.
//   wechatpay | unionpay | stripe: each order's payment is started through the API (payment-gateway signs a
//   request to the simulator), then the running simulator is asked to pay it and delivers its own signed (WeChat
//   Pay: encrypted) notification; latencies then include the simulator's signing.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { paidAlipayNotification } from './lib/alipay-notification.mjs';
import { PROVIDER_DRIVES, pool } from './lib/drive.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SERVICES = ['api-gateway', 'notification-ingest', 'order-service', 'payment-gateway', 'ledger-service'];

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : (process.env[`BENCH_${name.toUpperCase()}`] ?? fallback);
}

const N = Number(option('n', 2000));
const CONCURRENCY = Number(option('concurrency', 50));
const GATEWAY = option('gateway', 'http://127.0.0.1:3000');
const INGEST = option('ingest', 'http://127.0.0.1:3001');
const PROVIDER = option('provider', 'alipay');
const CLK_TCK = 100; // Linux USER_HZ

// The simulated providers, each on its simulator's port (<PROVIDER>_SIM_PORT, as npm start).
const SIMULATED = Object.fromEntries(
  ['wechatpay', 'unionpay', 'stripe'].map((name) => [
    name,
    {
      ...PROVIDER_DRIVES[name],
      port: process.env[`${name.toUpperCase()}_SIM_PORT`] ?? PROVIDER_DRIVES[name].defaultPort,
    },
  ]),
);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n) => `${n.toFixed(1)} ms`;

/** The pid of each service started from this checkout (found by its command line). */
function servicePids() {
  const pids = {};
  for (const entry of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const service = SERVICES.find((s) => cmd.includes(`dist/apps/${s}/src/main.js`));
      if (service) pids[service] = Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

function peakMemoryMb(pid) {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

async function json(method, url, token, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Starts each order's payment through the API; UnionPay's buyer then posts the signed form to the simulator. */
async function startPayments(orders, token) {
  const { method } = SIMULATED[PROVIDER];
  console.log(`Starting ${orders.length} ${PROVIDER} payments through the API at concurrency ${CONCURRENCY}...`);
  const latencies = [];
  const started = performance.now();
  await pool(orders, CONCURRENCY, async (order) => {
    const t0 = performance.now();
    const answer = await json('POST', `${GATEWAY}/api/v1/orders/${order.orderNo}/payments`, token, {
      provider: PROVIDER,
      method,
    });
    latencies.push(performance.now() - t0);
    if (answer.form) {
      const response = await fetch(answer.form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(answer.form.fields).toString(),
      });
      if (response.status !== 200) throw new Error(`the UnionPay simulator refused a form: ${response.status}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `  ${orders.length} payments in ${seconds.toFixed(1)} s (${(orders.length / seconds).toFixed(0)}/s), ` +
      `POST /payments p50 / p99: ${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`,
  );
}

/** Asks the running simulator to pay each order; it delivers the signed notification and reports our answer. */
async function simulatedCallbacks(orders, sentAt, ackLatencies) {
  const provider = SIMULATED[PROVIDER];
  const base = `http://127.0.0.1:${provider.port}`;
  return pool(orders, CONCURRENCY, async (order) => {
    const started = performance.now();
    sentAt.set(order.orderNo, Date.now());
    const response = await fetch(`${base}${provider.pay(order.orderNo)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(provider.body),
    });
    const result = await response.json();
    ackLatencies.push(performance.now() - started);
    const deliveries = result.deliveries ?? [result];
    return { acknowledged: response.ok && deliveries.every(provider.acknowledged), result };
  });
}

async function main() {
  if (PROVIDER !== 'alipay' && !SIMULATED[PROVIDER]) {
    throw new Error(`--provider must be alipay, wechatpay, unionpay or stripe, not ${PROVIDER}`);
  }
  const secretsFile = path.join(ROOT, '.cache/dev/secrets.json');
  if (!fs.existsSync(secretsFile) || !fs.existsSync(path.join(ROOT, 'dist'))) {
    throw new Error('Start the system first with `npm start` (it builds and creates .cache/dev/secrets.json).');
  }
  const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  const jwtSecret = process.env.JWT_SECRET || secrets.jwtSecret;
  const { signToken } = require(path.join(ROOT, 'dist/apps/api-gateway/src/auth/jwt.js'));
  const { AlipaySimulator } = require(path.join(ROOT, 'dist/libs/provider-simulators/src/index.js'));
  const token = signToken(jwtSecret, { sub: `bench-${Date.now()}`, roles: ['customer'] });
  const admin = signToken(jwtSecret, { sub: 'bench-admin', roles: ['admin'] });
  // Used only to sign notifications with the local simulator's Alipay key; it does not listen.
  const signer = new AlipaySimulator({
    appId: secrets.alipay.appId,
    sellerId: secrets.alipay.sellerId,
    appPublicKey: secrets.alipay.appPublicKey,
    alipayPrivateKey: secrets.alipay.alipayPrivateKey,
  });

  const pids = servicePids();
  const missing = SERVICES.filter((s) => !pids[s]);
  if (missing.length) throw new Error(`not running from this checkout: ${missing.join(', ')} (start with npm start)`);
  const cpuBefore = Object.fromEntries(SERVICES.map((s) => [s, cpuSeconds(pids[s])]));

  const { items } = await json('GET', `${GATEWAY}/api/v1/products`, token);
  console.log(`Creating ${N} orders at concurrency ${CONCURRENCY}...`);
  const createStart = performance.now();
  const orders = await pool(Array.from({ length: N }), CONCURRENCY, (_, i) =>
    json('POST', `${GATEWAY}/api/v1/orders`, token, { items: [{ sku: items[i % items.length].sku, quantity: 1 }] }),
  );
  const createSeconds = (performance.now() - createStart) / 1000;
  console.log(`  ${N} orders in ${createSeconds.toFixed(1)} s (${(N / createSeconds).toFixed(0)} orders/s)`);
  // notification-ingest learns orders from OrderCreated events; give the last ones a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  if (PROVIDER !== 'alipay') await startPayments(orders, token);

  console.log(`Sending ${N} signed ${PROVIDER} notifications at concurrency ${CONCURRENCY}...`);
  const sentAt = new Map();
  const ackLatencies = [];
  const callbackStart = performance.now();
  const answers = await (PROVIDER !== 'alipay'
    ? simulatedCallbacks(orders, sentAt, ackLatencies)
    : pool(orders, CONCURRENCY, async (order) => {
        const fields = paidAlipayNotification(signer, secrets.alipay, {
          order,
          notifyId: randomBytes(16).toString('hex'),
          tradeNo: `2026${randomBytes(12).toString('hex').replace(/[a-f]/g, '7').slice(0, 24)}`,
        });
        const started = performance.now();
        sentAt.set(order.orderNo, Date.now());
        const answer = await signer.postNotification(`${INGEST}/callbacks/alipay`, fields);
        ackLatencies.push(performance.now() - started);
        return { acknowledged: answer.body === 'success', result: answer };
      }));
  const callbackSeconds = (performance.now() - callbackStart) / 1000;
  const failed = answers.filter((a) => !a.acknowledged);
  if (failed.length)
    console.log(`  ${failed.length} notifications not acknowledged, e.g. ${JSON.stringify(failed[0].result)}`);

  console.log('Waiting until every order is PAID...');
  const paidLatencies = [];
  const pending = new Set(orders.map((o) => o.orderNo));
  const deadline = Date.now() + 300_000;
  while (pending.size > 0 && Date.now() < deadline) {
    // Gentle polling (10 at a time, once a second): the benchmark should measure the system, not its own load.
    await pool([...pending], 10, async (orderNo) => {
      const order = await json('GET', `${GATEWAY}/api/v1/orders/${orderNo}`, admin);
      if (order.status !== 'PAID') return;
      const paid = order.timeline.find((t) => t.event === 'paid');
      paidLatencies.push(new Date(paid.at).getTime() - sentAt.get(orderNo));
      pending.delete(orderNo);
    });
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  ackLatencies.sort((a, b) => a - b);
  paidLatencies.sort((a, b) => a - b);
  console.log(`\nResults for ${PROVIDER}, N=${N}, concurrency ${CONCURRENCY}`);
  console.log(
    `  callbacks/s:              ${(N / callbackSeconds).toFixed(0)} (${N} in ${callbackSeconds.toFixed(1)} s)`,
  );
  console.log(`  ack latency p50 / p99:    ${ms(percentile(ackLatencies, 50))} / ${ms(percentile(ackLatencies, 99))}`);
  if (paidLatencies.length) {
    console.log(
      `  callback->PAID p50 / p99: ${ms(percentile(paidLatencies, 50))} / ${ms(percentile(paidLatencies, 99))}`,
    );
  }
  console.log(`  orders PAID:              ${N - pending.size} of ${N}`);
  console.log('  per service:              CPU seconds during the run, peak RSS');
  for (const service of SERVICES) {
    const cpu = cpuSeconds(pids[service]) - cpuBefore[service];
    console.log(
      `    ${service.padEnd(22)} ${cpu.toFixed(1).padStart(6)} s  ${peakMemoryMb(pids[service]).toFixed(0).padStart(5)} MB`,
    );
  }
  if (pending.size > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
