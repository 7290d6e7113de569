// `npm run chaos -- --seed <n> --payments <count> [--providers alipay,wechatpay,unionpay,stripe] [--concurrency 16]
//   [--faults <n>] [--state .cache/dev/processes.json]`: a seeded fault harness against a running `npm start`.
// It creates orders and starts their payments through the API, delivers each provider's notification 1 to 20
// times, shuffled and concurrent, retrying every refused or failed delivery as a provider would, while it injects
// faults chosen by the seed: kill -9 of a service or the broker (when `npm start` owns it), SIGSTOP
// past the consumer session timeout, and a service database made unreachable for 5-40 s. Then it waits for
// convergence and checks from the databases: every paid order PAID exactly once, one balanced ledger posting per
// payment, ledger totals equal to the paid orders' totals, and no dead letter written during the run. The last
// line is one JSON object; the exit code is 0 only when lost, double, unbalanced and deadLetters are all 0.
// The same seed chooses the same deliveries, counts, faults, targets and timings (the system's timing varies).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { paidAlipayNotification } from './lib/alipay-notification.mjs';
import { createPrng, faultPlan, parseChaosOptions } from './lib/chaos-plan.mjs';
import { PROVIDER_DRIVES, pool } from './lib/drive.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Client } = require('pg');

const options = parseChaosOptions(process.argv.slice(2));
const started = Date.now();
const at = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it answers true, as a provider retries a delivery: backoff doubling from 250 ms to 5 s.
 * Returns false if the deadline passed first.
 */
async function untilDone(attempt, deadline) {
  for (let n = 0; Date.now() < deadline; n++) {
    try {
      if (await attempt()) return true;
    } catch {
      // connection refused, reset, timeout: the same as a refusal
    }
    await sleep(Math.min(250 * 2 ** n, 5000));
  }
  return false;
}

async function http(method, url, { token, json, form, timeoutMs = 15_000 } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json) headers['content-type'] = 'application/json';
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(url, {
    method,
    headers,
    body: json ? JSON.stringify(json) : form ? new URLSearchParams(form).toString() : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

function readState() {
  if (!fs.existsSync(options.state)) {
    throw new Error(`No running system: ${options.state} is missing. Start it with \`npm start\` first.`);
  }
  return JSON.parse(fs.readFileSync(options.state, 'utf8'));
}

function pg(database) {
  return new Client({
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 5432),
    user: process.env.DB_USER ?? 'postgres',
    password: process.env.DB_PASSWORD || undefined,
    database,
  });
}

/** Total of the messages in every dead-letter topic of the system (high watermarks summed). */
async function deadLetterCount(state) {
  const { createKafka, kafkaSettingsFromEnv } = require(path.join(ROOT, 'dist/libs/messaging/src/index.js'));
  // The brokers of the running system; TLS and SASL from the same KAFKA_* variables as the services.
  const kafka = createKafka({
    ...kafkaSettingsFromEnv(process.env, 'chaos'),
    brokers: state.kafka.brokers.split(','),
    topicPrefix: '',
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const prefix = state.kafka.topicPrefix ?? '';
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && t.endsWith('.dlq'));
    let total = 0;
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}

// ---- faults ------------------------------------------------------------------------------------------------

const stopped = new Set();
const closedDatabases = new Set();

async function setConnections(admin, database, allow) {
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
  if (!allow) {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
  }
}

/** Undoes every fault still in force: run on every exit path, so a harness crash never leaves a system broken. */
async function cleanup(admin) {
  for (const pid of stopped) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone meanwhile
    }
  }
  stopped.clear();
  for (const database of closedDatabases) await setConnections(admin, database, true).catch(() => undefined);
  closedDatabases.clear();
}

async function inject(fault, admin) {
  const state = readState();
  if (fault.kind === 'db') {
    say(`${at()}  fault: database ${fault.database} unreachable for ${(fault.ms / 1000).toFixed(0)} s`);
    closedDatabases.add(fault.database);
    await setConnections(admin, fault.database, false);
    await sleep(fault.ms);
    await setConnections(admin, fault.database, true);
    closedDatabases.delete(fault.database);
    say(`${at()}  fault over: database ${fault.database} reachable again`);
    return true;
  }
  const pid = fault.target === 'kafka' ? state.kafka.pid : state.processes[fault.target]?.pid;
  if (!pid) {
    say(`${at()}  fault skipped: ${fault.target} has no running process now`);
    return false;
  }
  if (fault.kind === 'kill') {
    say(`${at()}  fault: kill -9 ${fault.target} (pid ${pid})`);
    process.kill(pid, 'SIGKILL');
    // Give the supervisor its restart before the next fault; the system must catch up by itself.
    await sleep(fault.ms);
    return true;
  }
  say(`${at()}  fault: SIGSTOP ${fault.target} (pid ${pid}) for ${(fault.ms / 1000).toFixed(0)} s`);
  stopped.add(pid);
  process.kill(pid, 'SIGSTOP');
  await sleep(fault.ms);
  process.kill(pid, 'SIGCONT');
  stopped.delete(pid);
  say(`${at()}  fault over: SIGCONT ${fault.target}`);
  return true;
}

// ---- load --------------------------------------------------------------------------------------------------

async function main() {
  const state = readState();
  const rng = createPrng(options.seed);
  const secrets = JSON.parse(fs.readFileSync(state.secretsFile ?? path.join(ROOT, '.cache/dev/secrets.json'), 'utf8'));
  require('reflect-metadata');
  const { signToken } = require(path.join(ROOT, 'dist/apps/api-gateway/src/auth/jwt.js'));
  const { AlipaySimulator } = require(path.join(ROOT, 'dist/libs/provider-simulators/src/index.js'));
  const jwtSecret = process.env.JWT_SECRET || secrets.jwtSecret;
  const customer = signToken(jwtSecret, { sub: `chaos-${options.seed}-${Date.now()}`, roles: ['customer'] });
  // The service's address (its balancer when it runs in several instances), not one instance's.
  const serviceUrl = (name) => state.services?.[name]?.url ?? state.processes[name].url;
  const gateway = serviceUrl('api-gateway');
  const ingest = serviceUrl('notification-ingest');
  const simulatorUrl = (provider) => state.processes[`${provider}-simulator`]?.url;
  for (const provider of options.providers) {
    if (provider !== 'alipay' && !simulatorUrl(provider)) {
      throw new Error(`${provider} has no simulator in this system; leave it out of --providers`);
    }
  }
  // Alipay notifications are signed here with the local simulator's key (it does not listen).
  const alipaySigner = new AlipaySimulator({
    appId: secrets.alipay.appId,
    sellerId: secrets.alipay.sellerId,
    appPublicKey: secrets.alipay.appPublicKey,
    alipayPrivateKey: secrets.alipay.alipayPrivateKey,
  });

  const admin = pg('postgres');
  await admin.connect();
  const onSignal = () => void cleanup(admin).finally(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Per service (its instances share one database); faults hit instances, so with replicas one instance of a
  // service dies while the others carry on, as a pod does.
  const instances = Object.entries(state.processes).filter(([, p]) => p.database);
  const databases = Object.fromEntries(instances.map(([name, p]) => [p.service ?? name, p.database]));
  const deadLettersBefore = await deadLetterCount(state);
  const plan = faultPlan(rng, {
    count: options.faults,
    services: instances.map(([name]) => name),
    databases: Object.values(databases),
    broker: state.kafka.ownedByUs,
  });
  say(
    `chaos seed ${options.seed}: ${options.payments} payments (${options.providers.join(', ')}), ` +
      `${plan.length} faults planned${state.kafka.ownedByUs ? '' : ' (broker not owned by npm start: no broker faults)'}`,
  );

  // The plan decided before anything runs, so the seed alone fixes it.
  const payments = Array.from({ length: options.payments }, (_, i) => ({
    index: i,
    provider: options.providers[Math.floor(rng() * options.providers.length)],
    deliveries: 1 + Math.floor(rng() * 20),
    sku: undefined,
  }));
  const deadline = Date.now() + options.loadTimeoutMs;

  let faultsInjected = 0;
  // The second half of the plan waits for the deliveries, so faults hit the callback path as well as order creation
  // (with 2000 payments, creating the orders alone outlasts a whole plan started at once).
  let deliveriesBegin;
  const deliveriesBegun = new Promise((resolve) => (deliveriesBegin = resolve));
  const faults = (async () => {
    for (const [i, fault] of plan.entries()) {
      if (i === Math.ceil(plan.length / 2)) await deliveriesBegun;
      // Every planned fault happens, also after the last delivery (the system must converge from it too).
      await sleep(fault.afterMs);
      if (await inject(fault, admin)) faultsInjected += 1;
    }
  })();

  const { items: products } = await (async () => {
    let answer;
    await untilDone(async () => {
      const r = await http('GET', `${gateway}/api/v1/products`);
      if (r.status === 200) answer = r.json();
      return r.status === 200;
    }, deadline);
    return answer;
  })();

  // Orders and payments, through the API (retried like a client would: a 5xx or a timeout is tried again).
  await pool(payments, options.concurrency, async (payment) => {
    const sku = products[payment.index % products.length].sku;
    await untilDone(async () => {
      const r = await http('POST', `${gateway}/api/v1/orders`, {
        token: customer,
        json: { items: [{ sku, quantity: 1 }] },
      });
      if (r.status !== 201) return false;
      Object.assign(payment, r.json());
      return true;
    }, deadline);
    if (!payment.orderNo) return;
    const { method } = PROVIDER_DRIVES[payment.provider];
    payment.started = await untilDone(async () => {
      const r = await http('POST', `${gateway}/api/v1/orders/${payment.orderNo}/payments`, {
        token: customer,
        json: { provider: payment.provider, method },
      });
      if (r.status !== 201) return false;
      const answer = r.json();
      // UnionPay's buyer posts the signed form to the (simulated) UnionPay front end.
      if (answer.form) {
        const f = await http('POST', answer.form.action, { form: answer.form.fields });
        if (f.status !== 200) return false;
      }
      return true;
    }, deadline);
  });
  const ready = payments.filter((p) => p.orderNo && p.started);
  say(`${at()}  ${ready.length} orders created and payments started`);

  // Deliveries: every payment's notification k times, all of them shuffled and sent concurrently.
  const runTag = String(Date.now()).slice(-12);
  for (const payment of ready) {
    if (payment.provider === 'alipay') {
      payment.notification = paidAlipayNotification(alipaySigner, secrets.alipay, {
        order: payment,
        notifyId: `chaos${options.seed}n${payment.index}${payment.orderNo}`,
        // Unique per run, not per seed: a provider never reuses a trade number, and a rerun of a seed against the
        // same system would otherwise repeat the first run's transactions (their events are already applied).
        tradeNo: `2026${runTag}${String(payment.index).padStart(12, '0')}`,
      });
    }
  }
  const deliveries = ready.flatMap((p) => Array.from({ length: p.deliveries }, () => p));
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }
  let attempts = 0;
  deliveriesBegin();
  await pool(deliveries, options.concurrency, async (payment) => {
    const acknowledged = await untilDone(async () => {
      attempts += 1;
      if (payment.provider === 'alipay') {
        const answer = await alipaySigner.postNotification(`${ingest}/callbacks/alipay`, payment.notification);
        return answer.body === 'success';
      }
      const provider = PROVIDER_DRIVES[payment.provider];
      const r = await http('POST', `${simulatorUrl(payment.provider)}${provider.pay(payment.orderNo)}`, {
        json: provider.body,
      });
      if (r.status !== 200) return false;
      const result = r.json();
      return (result.deliveries ?? [result]).some(provider.acknowledged);
    }, deadline);
    if (acknowledged) {
      payment.acknowledged = true;
      payment.lastAckAt = Date.now();
    }
  });
  const lastAck = Math.max(started, ...ready.map((p) => p.lastAckAt ?? 0));
  const paid = ready.filter((p) => p.acknowledged);
  say(`${at()}  ${deliveries.length} deliveries (${attempts} attempts) done; ${paid.length} payments acknowledged`);
  await faults;
  await cleanup(admin);
  // Convergence is timed from the moment the load and every fault are over.
  const quietSince = Math.max(lastAck, Date.now());

  // Convergence: poll the databases until every check passes, or the deadline.
  let result;
  const convergeDeadline = Date.now() + options.convergeTimeoutMs;
  for (;;) {
    const orderDb = pg(databases['order-service']);
    const ledgerDb = pg(databases['ledger-service']);
    try {
      await Promise.all([orderDb.connect(), ledgerDb.connect()]);
      result = await check(orderDb, ledgerDb, paid, state, deadLettersBefore);
    } catch (error) {
      result = { error: error.message };
    } finally {
      await Promise.all([orderDb.end(), ledgerDb.end()].map((p) => p.catch(() => undefined)));
    }
    if (result.ok || Date.now() > convergeDeadline) break;
    await sleep(1000);
  }
  await admin.end().catch(() => undefined);
  if (!result.ok) say(`${at()}  not converged: ${JSON.stringify(result.details ?? result.error)}`);
  const summary = {
    seed: options.seed,
    payments: paid.length,
    deliveries: deliveries.length,
    faults: faultsInjected,
    lost: result.lost ?? paid.length,
    double: result.double ?? 0,
    unbalanced: result.unbalanced ?? 0,
    deadLetters: result.deadLetters ?? 0,
    convergedSeconds: result.ok ? Math.round((Date.now() - quietSince) / 100) / 10 : null,
  };
  // Payments never acknowledged within the load deadline are lost as far as the customer is concerned.
  summary.lost += ready.length - paid.length + (options.payments - ready.length);
  say(JSON.stringify(summary));
  process.exitCode = summary.lost + summary.double + summary.unbalanced + summary.deadLetters === 0 ? 0 : 1;
}

/** The end-state checks, restricted to this run's orders. */
async function check(orderDb, ledgerDb, paid, state, deadLettersBefore) {
  const orderNos = paid.map((p) => p.orderNo);
  const orders = (
    await orderDb.query(
      `SELECT o.order_no, o.status, o.total_amount::bigint AS total,
         (SELECT count(*)::int FROM order_timeline t WHERE t.order_id = o.id AND t.event = 'paid') AS paid_events
       FROM orders o WHERE o.order_no = ANY($1)`,
      [orderNos],
    )
  ).rows;
  const postings = (
    await ledgerDb.query(
      `SELECT t.order_no, t.id,
         COALESCE(sum(e.amount) FILTER (WHERE e.side = 'debit'), 0)::bigint AS debit,
         COALESCE(sum(e.amount) FILTER (WHERE e.side = 'credit'), 0)::bigint AS credit
       FROM journal_transactions t LEFT JOIN journal_entries e ON e.transaction_id = t.id
       WHERE t.order_no = ANY($1) GROUP BY t.order_no, t.id`,
      [orderNos],
    )
  ).rows;
  const byOrder = new Map(orders.map((o) => [o.order_no, o]));
  const postingsOf = new Map();
  for (const p of postings) postingsOf.set(p.order_no, [...(postingsOf.get(p.order_no) ?? []), p]);
  let lost = 0;
  let double = 0;
  const lostOrders = [];
  for (const orderNo of orderNos) {
    const order = byOrder.get(orderNo);
    const posted = postingsOf.get(orderNo) ?? [];
    if (!order || order.status !== 'PAID' || order.paid_events === 0 || posted.length === 0) {
      lost += 1;
      if (lostOrders.length < 5) lostOrders.push({ orderNo, status: order?.status, postings: posted.length });
    } else if (order.paid_events > 1 || posted.length > 1) {
      double += 1;
    }
  }
  const unbalanced = postings.filter((p) => p.debit !== p.credit || p.debit === '0').length;
  const ledgerTotal = postings.reduce((sum, p) => sum + BigInt(p.debit), 0n);
  const paidTotal = orders.filter((o) => o.status === 'PAID').reduce((sum, o) => sum + BigInt(o.total), 0n);
  const deadLetters = (await deadLetterCount(state)) - deadLettersBefore;
  const totalsMatch = ledgerTotal === paidTotal;
  const ok = lost === 0 && double === 0 && unbalanced === 0 && deadLetters === 0 && totalsMatch;
  return {
    ok,
    lost,
    double,
    unbalanced: unbalanced + (totalsMatch || lost > 0 ? 0 : 1),
    deadLetters,
    details: { lostOrders, ledgerTotal: String(ledgerTotal), paidTotal: String(paidTotal) },
  };
}

main().catch((error) => {
  say(`chaos failed: ${error.message}`);
  process.exit(2);
});
