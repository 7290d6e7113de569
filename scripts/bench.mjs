// `npm run bench`: how fast the running system is, measured against what this box can do.
//
// It measures, in one run:
//   1. the box's raw reference: BEGIN; INSERT inbox row; INSERT outbox row; COMMIT from node-postgres with a pool
//      of 8 for --raw-seconds in a scratch database (scripts/lib/bench-raw.mjs);
//   2. closed loop, at --concurrency: N orders created and N payments started through the public API, then N
//      correctly signed payment callbacks; acknowledgement latency; end to end (first callback sent to the last
//      order PAID and its ledger posting written, read from the order-service's and ledger's databases, not by
//      polling the API) and callback-to-PAID latency;
//   3. open loop: callbacks sent at a fixed --rate (default 0.2 x the raw reference) whatever the answers, and
//      callback-to-PAID p50/p99/p999 under that offered load;
//   4. CPU seconds and peak resident memory per service, for Kafka and for PostgreSQL, and idle memory per service.
// It prints a table with each rate as a ratio of the raw reference and writes JSON to bench/results/<date>.json;
// `npm run bench -- --compare a.json b.json` shows the change between two runs. A measurement, not a test.
//
// Against `npm start` (default ports, simulators, keys from .cache/dev/secrets.json):
//   npm run bench -- [--n 2000] [--concurrency 32] [--rate auto|<callbacks/s>] [--provider alipay]
// Alipay (default): callbacks signed here with the simulator's Alipay key and posted straight at the ingest.
// wechatpay | unionpay | stripe: the running simulator pays and delivers its own signed notification.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams, fileURLToPath } from 'node:url';
import pg from 'pg';
import { paidAlipayNotification } from './lib/alipay-notification.mjs';
import { httpClient } from './lib/http-client.mjs';
import {
  SERVICES,
  cpuSeconds,
  findProcesses,
  postgresPids,
  rssMb,
  sampleMemory,
  waitForQuiet,
} from './lib/bench-processes.mjs';
import { pgConfig, rawReference } from './lib/bench-raw.mjs';
import { compareResults, printResults, targetsOf } from './lib/bench-report.mjs';
import { PROVIDER_DRIVES, pool } from './lib/drive.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0
    ? process.argv[index + 1]
    : (process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
}

function usage(problem) {
  process.stderr
    .write(`${problem}\n\nnpm run bench -- [--n 2000] [--concurrency 32] [--rate auto|N] [--provider alipay|wechatpay|unionpay|stripe]
  [--raw-seconds 5] [--open-seconds 10] [--quiet-timeout 180] [--gateway URL] [--ingest URL] [--secrets FILE] [--order-db NAME]
  [--ledger-db NAME] [--pids name=pid,...] [--out DIR]
npm run bench -- --compare a.json b.json\n`);
  process.exit(2);
}

const positive = (name, text) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) usage(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return value;
};

const percentile = (sorted, p) =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sortNumbers = (values) => [...values].sort((a, b) => a - b);
const round = (value, digits = 1) => (value === null ? null : Number(value.toFixed(digits)));

async function json(client, method, url, token, body) {
  const response = await client.request(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    timeoutMs: 60_000,
  });
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${url} -> ${response.status} ${response.body.slice(0, 300)}`);
  }
  return JSON.parse(response.body);
}

/** Runs fn for each item and answers the items/s and the per-call latencies (ms). */
async function timed(items, concurrency, fn) {
  const latencies = [];
  const started = performance.now();
  const results = await pool(items, concurrency, async (item, i) => {
    const t0 = performance.now();
    const result = await fn(item, i);
    latencies.push(performance.now() - t0);
    return result;
  });
  const seconds = (performance.now() - started) / 1000;
  return { results, seconds, perSecond: items.length / seconds, latencies: sortNumbers(latencies) };
}

class Bench {
  constructor(options) {
    Object.assign(this, options);
    /** Answers of callbacks that were not acknowledged, for the report. */
    this.refusals = [];
    this.orderDb = new pg.Pool({ ...pgConfig(), database: options.orderDbName, max: 2 });
    this.ledgerDb = new pg.Pool({ ...pgConfig(), database: options.ledgerDbName, max: 2 });
    // An idle connection the server closed is replaced by the pool; it must not crash the run.
    for (const db of [this.orderDb, this.ledgerDb]) db.on('error', () => undefined);
    this.http = httpClient(options.concurrency);
    // The open loop's callbacks must not wait for a free socket: arrivals do not depend on answers.
    this.openHttp = httpClient(Infinity);
    /** orderNo -> the signed notification form body (Alipay). */
    this.signed = new Map();
  }

  async close() {
    this.http.close();
    this.openHttp.close();
    await Promise.all([this.orderDb.end(), this.ledgerDb.end()]);
  }

  async createOrders(count) {
    const { items } = await json(this.http, 'GET', `${this.gateway}/api/v1/products`, this.token);
    return timed(Array.from({ length: count }), this.concurrency, (_, i) =>
      json(this.http, 'POST', `${this.gateway}/api/v1/orders`, this.token, {
        items: [{ sku: items[i % items.length].sku, quantity: 1 }],
      }),
    );
  }

  /** Starts each order's payment through the API; UnionPay's buyer then posts the signed form to the simulator. */
  startPayments(orders) {
    const method = PROVIDER_DRIVES[this.provider].method;
    return timed(orders, this.concurrency, async (order) => {
      const answer = await json(
        this.http,
        'POST',
        `${this.gateway}/api/v1/orders/${order.orderNo}/payments`,
        this.token,
        { provider: this.provider, method },
      );
      if (answer.form) {
        const response = await fetch(answer.form.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(answer.form.fields).toString(),
        });
        if (response.status !== 200) throw new Error(`the UnionPay simulator refused a form: ${response.status}`);
      }
    });
  }

  /**
   * Alipay's signed notifications for the orders, built before the timed phase: the provider signs on its own
   * machines, so the load generator's RSA must not take CPU from the system it measures.
   */
  signCallbacks(orders) {
    if (this.provider !== 'alipay') return;
    for (const order of orders) {
      const fields = paidAlipayNotification(this.signer, this.secrets.alipay, {
        order,
        notifyId: randomBytes(16).toString('hex'),
        tradeNo: `2026${randomBytes(12).toString('hex').replace(/[a-f]/g, '7').slice(0, 24)}`,
      });
      this.signed.set(order.orderNo, new URLSearchParams(fields).toString());
    }
  }

  /** Sends one order's payment callback (signed by signCallbacks); answers whether it was acknowledged. */
  async callback(order, client = this.http) {
    if (this.provider === 'alipay') {
      let answer;
      try {
        answer = await client.request(`${this.ingest}/callbacks/alipay`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: this.signed.get(order.orderNo),
          timeoutMs: 10_000,
        });
      } catch (error) {
        // Not answered in time (Alipay waits a few seconds, then retries): counted as not acknowledged.
        this.refusals.push(error.message);
        return false;
      }
      if (answer.body !== 'success') this.refusals.push(`${answer.status} ${answer.body.slice(0, 200)}`);
      return answer.body === 'success';
    }
    const drive = PROVIDER_DRIVES[this.provider];
    const port = process.env[`${this.provider.toUpperCase()}_SIM_PORT`] ?? drive.defaultPort;
    let response;
    let result;
    try {
      response = await fetch(`http://127.0.0.1:${port}${drive.pay(order.orderNo)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(drive.body),
      });
      result = await response.json();
    } catch (error) {
      this.refusals.push(error.message);
      return false;
    }
    const ok = response.ok && (result.deliveries ?? [result]).every(drive.acknowledged);
    if (!ok) this.refusals.push(JSON.stringify(result).slice(0, 200));
    return ok;
  }

  /** Waits until every order is PAID and posted; answers {orderNo: {paidAt, postedAt}} in epoch ms, from the DBs. */
  async settled(orderNos, timeoutMs = 300_000) {
    const deadline = Date.now() + timeoutMs;
    const found = new Map();
    for (;;) {
      const missing = orderNos.filter((n) => !found.get(n)?.postedAt || !found.get(n)?.paidAt);
      if (missing.length === 0) return found;
      if (Date.now() > deadline) throw new Error(`${missing.length} of ${orderNos.length} orders not PAID and posted`);
      let paid;
      let posted;
      try {
        [paid, posted] = await Promise.all([
          this.orderDb.query(
            `SELECT o.order_no, t.at FROM orders o JOIN order_timeline t ON t.order_id = o.id AND t.event = 'paid'
             WHERE o.order_no = ANY($1)`,
            [missing],
          ),
          this.ledgerDb.query(
            `SELECT order_no, min(created_at) AS at FROM journal_transactions WHERE order_no = ANY($1) GROUP BY order_no`,
            [missing],
          ),
        ]);
      } catch {
        // A lost connection is the pool's to replace: ask again on the next round.
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const row of paid.rows) found.set(row.order_no, { ...found.get(row.order_no), paidAt: row.at.getTime() });
      for (const row of posted.rows) {
        found.set(row.order_no, { ...found.get(row.order_no), postedAt: row.at.getTime() });
      }
      // Every half second: the times come from the databases, so polling more often would only add load.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function main() {
  if (process.argv.includes('--help') || process.argv.includes('-h')) usage('Measures the running system (npm start).');
  // An option the bench does not know is a typo that would otherwise run 3 minutes with the defaults.
  const known = new Set([
    'n',
    'concurrency',
    'rate',
    'provider',
    'raw-seconds',
    'open-seconds',
    'quiet-timeout',
    'gateway',
    'ingest',
    'secrets',
    'order-db',
    'ledger-db',
    'pids',
    'out',
    'compare',
  ]);
  const unknown = process.argv.slice(2).filter((a) => a.startsWith('--') && !known.has(a.slice(2)));
  if (unknown.length > 0) usage(`unknown option ${unknown.join(', ')}`);
  if (process.argv.includes('--compare')) {
    const index = process.argv.indexOf('--compare');
    const [a, b] = process.argv.slice(index + 1, index + 3);
    if (!a || !b) usage('--compare needs two result files');
    compareResults(JSON.parse(fs.readFileSync(a, 'utf8')), JSON.parse(fs.readFileSync(b, 'utf8')), a, b);
    return;
  }
  const n = positive('n', option('n', 2000));
  const concurrency = positive('concurrency', option('concurrency', 32));
  const provider = option('provider', 'alipay');
  if (!PROVIDER_DRIVES[provider]) usage(`--provider must be alipay, wechatpay, unionpay or stripe, not ${provider}`);
  const rateOption = option('rate', 'auto');
  const rawSeconds = positive('raw-seconds', option('raw-seconds', 5));
  const openSeconds = positive('open-seconds', option('open-seconds', 10));
  const quietTimeout = positive('quiet-timeout', option('quiet-timeout', 180));
  const secretsFile = path.resolve(option('secrets', path.join(ROOT, '.cache/dev/secrets.json')));
  if (!fs.existsSync(secretsFile) || !fs.existsSync(path.join(ROOT, 'dist'))) {
    usage('Start the system first with `npm start` (it builds and creates .cache/dev/secrets.json).');
  }
  const explicitPids = Object.fromEntries(
    (option('pids', '') || '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=')),
  );
  const groups = findProcesses(explicitPids);
  const missing = SERVICES.filter((s) => groups[s].length === 0);
  if (missing.length) usage(`no running process of: ${missing.join(', ')} (start with npm start, or pass --pids)`);
  const instances = Math.max(...SERVICES.map((s) => groups[s].length));

  const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
  const { signToken } = require(path.join(ROOT, 'dist/apps/api-gateway/src/auth/jwt.js'));
  const { AlipaySimulator } = require(path.join(ROOT, 'dist/libs/provider-simulators/src/index.js'));
  const jwtSecret = process.env.JWT_SECRET || secrets.jwtSecret;
  const bench = new Bench({
    provider,
    concurrency,
    secrets,
    gateway: option('gateway', 'http://127.0.0.1:3000'),
    ingest: option('ingest', 'http://127.0.0.1:3001'),
    orderDbName: option('order-db', 'shop_order_service'),
    ledgerDbName: option('ledger-db', 'shop_ledger_service'),
    token: signToken(jwtSecret, { sub: `bench-${Date.now()}`, roles: ['customer'] }),
    // Used only to sign notifications with the local simulator's Alipay key; it does not listen.
    signer: new AlipaySimulator({
      appId: secrets.alipay.appId,
      sellerId: secrets.alipay.sellerId,
      appPublicKey: secrets.alipay.appPublicKey,
      alipayPrivateKey: secrets.alipay.alipayPrivateKey,
    }),
  });

  try {
    const log = (line) => process.stdout.write(`${line}\n`);
    // A run right after another starts only once the box is quiet again, so that the raw reference and the idle
    // memory are read on an idle system, not on services still working off the previous run's open loop.
    log('Waiting for the services, Kafka and PostgreSQL to be quiet...');
    const quiet = await waitForQuiet(groups, { timeoutSeconds: quietTimeout });
    log(
      quiet.quiet
        ? `  quiet after ${quiet.waitedSeconds.toFixed(0)} s`
        : `  still busy after ${quiet.waitedSeconds.toFixed(0)} s (${quiet.lastLoad.toFixed(2)} cores); measuring anyway`,
    );
    log(`Raw reference: inbox+outbox transactions from node-postgres, pool of 8, ${rawSeconds} s...`);
    const raw = await rawReference({ seconds: rawSeconds });
    log(`  ${raw.transactionsPerSecond.toFixed(0)} transactions/s`);
    const rate =
      rateOption === 'auto' ? Math.max(1, Math.round(raw.transactionsPerSecond * 0.2)) : positive('rate', rateOption);

    // Per instance (the largest when a service runs in several): the target is per process, as a pod's limit is.
    const idleRss = Object.fromEntries(SERVICES.map((s) => [s, round(Math.max(...groups[s].map((p) => rssMb([p]))))]));
    // CPU seconds per process group between two snapshots. PostgreSQL's group is every postgres process at the
    // later snapshot (backends come and go with connections; one that started in between counts from zero).
    const snapshot = () => {
      const postgres = postgresPids();
      const pids = [...SERVICES.flatMap((s) => groups[s]), ...groups.kafka, ...postgres];
      return { at: new Map(pids.map((pid) => [pid, cpuSeconds([pid])])), postgres, self: process.cpuUsage() };
    };
    const cpuBetween = (from, to) =>
      Object.fromEntries(
        Object.entries({ ...groups, postgres: to.postgres }).map(([g, pids]) => [
          g,
          pids.reduce((sum, pid) => sum + (to.at.get(pid) ?? 0) - (from.at.get(pid) ?? 0), 0),
        ]),
      );
    // CPU ms per payment of a closed-loop phase, per group and for the load generator itself.
    const phaseCpu = (from, to, count) => {
      const seconds = cpuBetween(from, to);
      seconds['load generator'] = (to.self.user + to.self.system - from.self.user - from.self.system) / 1e6;
      return Object.fromEntries(Object.entries(seconds).map(([g, sec]) => [g, round((sec * 1000) / count, 2)]));
    };
    const memory = sampleMemory(groups);
    const phase0 = snapshot();

    // Closed loop.
    log(`Closed loop: ${n} orders, payments and callbacks at concurrency ${concurrency} (${provider})...`);
    const created = await bench.createOrders(n);
    const orders = created.results;
    const started = await bench.startPayments(orders);
    bench.signCallbacks(orders);
    const phase1 = snapshot();
    const sentAt = new Map();
    const callbacks = await timed(orders, concurrency, async (order) => {
      sentAt.set(order.orderNo, Date.now());
      return bench.callback(order);
    });
    const unacknowledged = callbacks.results.filter((ok) => !ok).length;
    // Only acknowledged callbacks are owed a PAID order: a refused one is the provider's to retry.
    const acked = orders.filter((_, i) => callbacks.results[i]);
    const settled = await bench.settled(acked.map((o) => o.orderNo));
    const firstSent = Math.min(...sentAt.values());
    const lastPosted = Math.max(...[...settled.values()].map((s) => Math.max(s.paidAt, s.postedAt)));
    const closedPaid = sortNumbers(acked.map((o) => settled.get(o.orderNo).paidAt - sentAt.get(o.orderNo)));
    const phase2 = snapshot();
    const cpuMsPerPhase = {
      createAndStart: phaseCpu(phase0, phase1, n),
      callbackToPosted: phaseCpu(phase1, phase2, Math.max(1, acked.length)),
    };

    // Open loop: the orders and payments first (not timed), then callbacks on a fixed schedule.
    const openCount = Math.max(1, Math.round(rate * openSeconds));
    log(`Open loop: ${openCount} callbacks offered at ${rate}/s...`);
    const openOrders = (await bench.createOrders(openCount)).results;
    await bench.startPayments(openOrders);
    bench.signCallbacks(openOrders);
    const openSent = new Map();
    const openAcks = [];
    const openStart = performance.now();
    let openFailed = 0;
    const openAcked = [];
    await Promise.all(
      openOrders.map(async (order, i) => {
        const due = openStart + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        openSent.set(order.orderNo, Date.now());
        const t0 = performance.now();
        const ok = await bench.callback(order, bench.openHttp);
        if (ok) openAcked.push(order);
        else openFailed += 1;
        openAcks.push(performance.now() - t0);
      }),
    );
    const openSeconds_ = (performance.now() - openStart) / 1000;
    const openSettled = await bench.settled(openAcked.map((o) => o.orderNo));
    const openPaid = sortNumbers(openAcked.map((o) => openSettled.get(o.orderNo).paidAt - openSent.get(o.orderNo)));
    const sortedOpenAcks = sortNumbers(openAcks);

    const peaks = memory.stop();
    const cpu = Object.fromEntries(
      Object.entries(cpuBetween(phase0, snapshot())).map(([g, seconds]) => [g, round(seconds, 2)]),
    );
    const servicesCpu = SERVICES.reduce((sum, s) => sum + cpu[s], 0);
    // Per completed payment (PAID and posted): a payment whose callback was refused or timed out under overload
    // still cost its order and its start, so dividing by every payment started would flatter an overloaded run.
    const payments = acked.length + openAcked.length;

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30), node: process.version },
      options: { n, concurrency, provider, rate, openSeconds, instances },
      raw: { transactionsPerSecond: round(raw.transactionsPerSecond, 0), seconds: round(raw.seconds) },
      closedLoop: {
        ordersCreatedPerSecond: round(created.perSecond),
        paymentsStartedPerSecond: round(started.perSecond),
        ordersAndPaymentsPerSecond: round((2 * n) / (created.seconds + started.seconds)),
        callbacksAckedPerSecond: round(callbacks.perSecond),
        unacknowledged,
        ackP50Ms: round(percentile(callbacks.latencies, 50)),
        ackP99Ms: round(percentile(callbacks.latencies, 99)),
        endToEndPaymentsPerSecond: round(acked.length / ((lastPosted - firstSent) / 1000)),
        callbackToPaidP50Ms: percentile(closedPaid, 50),
        callbackToPaidP99Ms: percentile(closedPaid, 99),
        callbackToPaidP999Ms: percentile(closedPaid, 99.9),
      },
      openLoop: {
        offeredPerSecond: rate,
        sentPerSecond: round(openCount / openSeconds_),
        payments: openCount,
        unacknowledged: openFailed,
        ackP50Ms: round(percentile(sortedOpenAcks, 50)),
        ackP99Ms: round(percentile(sortedOpenAcks, 99)),
        callbackToPaidP50Ms: percentile(openPaid, 50),
        callbackToPaidP99Ms: percentile(openPaid, 99),
        callbackToPaidP999Ms: percentile(openPaid, 99.9),
      },
      cpuSeconds: cpu,
      cpuMsPerPayment: round((servicesCpu * 1000) / payments),
      cpuMsPerPhase,
      quietBeforeRun: { quiet: quiet.quiet, waitedSeconds: round(quiet.waitedSeconds) },
      memoryMb: { idle: idleRss, peak: Object.fromEntries(Object.entries(peaks).map(([g, v]) => [g, round(v)])) },
    };
    result.ratios = {
      callbacksAcked: round(result.closedLoop.callbacksAckedPerSecond / result.raw.transactionsPerSecond, 3),
      endToEnd: round(result.closedLoop.endToEndPaymentsPerSecond / result.raw.transactionsPerSecond, 3),
      ordersAndPayments: round(result.closedLoop.ordersAndPaymentsPerSecond / result.raw.transactionsPerSecond, 3),
      openLoopOffered: round(rate / result.raw.transactionsPerSecond, 3),
    };
    result.targets = targetsOf(result);

    printResults(result);
    const outDir = path.resolve(option('out', path.join(ROOT, 'bench/results')));
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${result.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`\nwrote ${path.relative(process.cwd(), file)}`);
    if (unacknowledged > 0 || openFailed > 0) {
      log(`${unacknowledged + openFailed} callbacks not acknowledged, e.g. ${bench.refusals.slice(0, 3).join(' | ')}`);
      process.exitCode = 1;
    }
  } finally {
    await bench.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
