// Every name a test run gives to Kafka topics, consumer groups and databases starts with the run's marker, so the
// run can delete exactly its own topics from a broker it did not start (test/global-teardown.cjs), and
// `npm run kafka -- prune-test-topics` can tell what earlier runs left behind. Plain JavaScript because the Jest
// global setup and teardown and scripts/kafka.mjs load it without a TypeScript step; names.ts uses it too.
//
//   marker    tr_<start time, base36 ms>_<pid of the Jest process, base36>_   tr_mc3k1z8w_1f4a_
//   name      <marker><label>_<8 hex>                                         tr_mc3k1z8w_1f4a_ledger_journal_9c1e02ab
//   topics    <name>.<topic>, <name>.<topic>.dlq; consumer groups <name>.<group>; databases <name>[_<service>]

import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** The variable through which the global setup hands its run's marker to the test files. */
export const TEST_RUN_ENV = 'SHOP_TEST_RUN';

const MARKER = /^tr_([0-9a-z]{8})_([0-9a-z]{1,7})_/;
// Names before run markers: t_<label>_<base36 ms>_<6 hex>, one per test file. Only the prune still looks for them.
const LEGACY_PREFIX = /^t_[a-z0-9_]{0,24}_([0-9a-z]{8})_[0-9a-f]{6}\./;
// A marker's time must be a plausible start time, which rules out names that only look alike ("tr_orders_v2_").
const EARLIEST = Date.UTC(2024, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** A new marker for a test run that this process starts now. */
export function newTestRunMarker({ now = Date.now(), pid = process.pid } = {}) {
  return `tr_${now.toString(36).padStart(8, '0')}_${pid.toString(36)}_`;
}

/**
 * The run marker a name starts with, with the run's start time and Jest pid, or undefined for a name that no
 * marked test run made (the topics of `npm start`, old-style test names, anything else).
 * @param {string} name
 */
export function parseTestRunName(name, { now = Date.now() } = {}) {
  const match = MARKER.exec(name);
  if (!match) return undefined;
  const startedAt = Number.parseInt(match[1], 36);
  const pid = Number.parseInt(match[2], 36);
  if (startedAt < EARLIEST || startedAt > now + DAY_MS || pid < 1) return undefined;
  return { marker: match[0], startedAt, pid };
}

/** True when `marker` is a whole run marker (and nothing more), the only kind of prefix cleanup deletes by. */
export function isTestRunMarker(marker) {
  return typeof marker === 'string' && parseTestRunName(marker)?.marker === marker;
}

/** True when `name` was made by the test run with this marker; never true for an invalid or empty marker. */
export function belongsToTestRun(name, marker) {
  return isTestRunMarker(marker) && name.startsWith(marker);
}

let ownMarker;

/**
 * The marker of the current test run: the one the global setup put into SHOP_TEST_RUN, else (a spec run
 * without the global setup) one made once for this process, which the prune recognises once it has ended.
 */
export function testRunMarker(env = process.env) {
  const given = env[TEST_RUN_ENV];
  if (given) {
    if (!isTestRunMarker(given)) {
      throw new Error(`${TEST_RUN_ENV}="${given}" is not a test run marker such as ${newTestRunMarker()}`);
    }
    return given;
  }
  ownMarker ??= newTestRunMarker();
  return ownMarker;
}

/**
 * A name no other test run uses, starting with the run's marker: lower-case letters, digits and underscores, valid
 * as a PostgreSQL database name and as a Kafka topic prefix alike (at most 51 characters).
 */
export function testRunName(label, marker = testRunMarker()) {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  return `${marker}${safe}_${randomBytes(4).toString('hex')}`;
}

function processIsRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Which of `names` (topics or consumer groups) earlier test runs left behind: those of a marked run whose Jest
 * process has ended (or that started over a day ago, when its pid may belong to someone else by now), and old-style
 * names made over an hour ago. Names of runs still going, and every name no test run made, are kept.
 * @param {string[]} names
 */
export function leftoverTestNames(names, { now = Date.now(), isRunning = processIsRunning } = {}) {
  const running = new Map();
  const isLeftover = (name) => {
    const run = parseTestRunName(name, { now });
    if (run) {
      if (!running.has(run.marker)) running.set(run.marker, now - run.startedAt < DAY_MS && isRunning(run.pid));
      return !running.get(run.marker);
    }
    const legacy = LEGACY_PREFIX.exec(name);
    if (!legacy) return false;
    const createdAt = Number.parseInt(legacy[1], 36);
    return createdAt >= EARLIEST && now - createdAt > HOUR_MS;
  };
  return names.filter(isLeftover);
}

/**
 * Names of test runs (marked or old-style), leftover or not: what the prune reports as kept when not leftover.
 * @param {string} name
 */
export function isTestName(name, { now = Date.now() } = {}) {
  if (parseTestRunName(name, { now })) return true;
  const legacy = LEGACY_PREFIX.exec(name);
  return Boolean(legacy) && Number.parseInt(legacy[1], 36) >= EARLIEST;
}

// ---------------------------------------------------------------------------------------------------------------
// Deleting from the broker

function cleanupAdmin(brokers) {
  return new Kafka({
    clientId: 'shop-test-cleanup',
    brokers: Array.isArray(brokers) ? brokers : brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    // Short, so that a broker that stops answering keeps no request (and no process) waiting for long.
    requestTimeout: 10_000,
    // Retries are ours (deleteTopicBatch): kafkajs would repeat a whole batch that failed for one vanished topic.
    retry: { retries: 0 },
  }).admin();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function* batches(items, size) {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Deletes the topics, tolerating ones that are gone already; returns how many of them are gone now. */
async function deleteTopicBatch(admin, topics) {
  let pending = topics;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await admin.deleteTopics({ topics: pending, timeout: 5_000 });
      return topics.length;
    } catch (error) {
      // The broker deletes what it can of a request and answers with the first error (a topic that vanished in
      // between answers UNKNOWN_TOPIC_OR_PARTITION): whatever is still listed is what to try again.
      const listed = new Set(await admin.listTopics());
      pending = pending.filter((t) => listed.has(t));
      if (pending.length === 0) return topics.length;
      if (attempt === 3) throw error;
      await sleep(500 * attempt);
    }
  }
}

/** Deletes the consumer groups; ones that are gone already or still have members are left to the broker. */
async function deleteGroupBatch(admin, groupIds) {
  try {
    await admin.deleteGroups(groupIds);
    return groupIds.length;
  } catch (error) {
    if (!Array.isArray(error.groups)) throw error;
    return groupIds.length - error.groups.length;
  }
}

/**
 * Deletes from the broker the consumer groups, then the topics, whose names satisfy `match`, up to `batchSize` per
 * request. Rejects after `timeoutMs` at the latest (with `deleted` on the error), never leaving the caller hanging.
 * @returns {Promise<{ topics: number, groups: number }>} how many this call deleted
 */
export async function deleteTopicsAndGroups({ brokers, match, timeoutMs = 30_000, batchSize = 100 }) {
  const admin = cleanupAdmin(brokers);
  const deleted = { topics: 0, groups: 0 };
  const work = (async () => {
    await admin.connect();
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((g) => g.groupId).filter((id) => match(id));
    for (const batch of batches(groupIds, batchSize)) deleted.groups += await deleteGroupBatch(admin, batch);
    const topics = (await admin.listTopics()).filter((t) => match(t));
    for (const batch of batches(topics, batchSize)) deleted.topics += await deleteTopicBatch(admin, batch);
    return deleted;
  })();
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(
        `gave up after ${timeoutMs / 1000} s (deleted ${deleted.topics} topics, ${deleted.groups} groups by then)`,
      );
      reject(Object.assign(error, { deleted: { ...deleted } }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {}); // it fails on its own once the admin is disconnected
    let disconnectTimer;
    await Promise.race([
      admin.disconnect().catch(() => {}),
      new Promise((resolve) => (disconnectTimer = setTimeout(resolve, 1_000))),
    ]);
    clearTimeout(disconnectTimer);
  }
}

/**
 * Deletes the topics and consumer groups of the test run with this marker, and nothing else: names of other runs
 * and of `npm start` never match. Refuses anything that is not a whole run marker.
 */
export async function deleteTestRunTopics({ brokers, marker, timeoutMs = 30_000, batchSize }) {
  if (!isTestRunMarker(marker)) throw new Error(`"${marker}" is not a test run marker; deleting nothing`);
  return deleteTopicsAndGroups({ brokers, match: (name) => belongsToTestRun(name, marker), timeoutMs, batchSize });
}

/**
 * Deletes the topics and consumer groups earlier test runs left on the broker (see leftoverTestNames); with dryRun
 * only counts them. `kept` counts the topics of test runs that may still be going.
 * @returns {Promise<{ topics: number, groups: number, kept: number }>}
 */
export async function pruneTestTopics({ brokers, dryRun = false, timeoutMs = 10 * 60_000, now = Date.now() }) {
  const admin = cleanupAdmin(brokers);
  let topics;
  let groupIds;
  try {
    await admin.connect();
    topics = await admin.listTopics();
    groupIds = (await admin.listGroups()).groups.map((g) => g.groupId);
  } finally {
    await admin.disconnect();
  }
  const leftover = new Set([...leftoverTestNames(topics, { now }), ...leftoverTestNames(groupIds, { now })]);
  const kept = topics.filter((t) => isTestName(t, { now }) && !leftover.has(t)).length;
  if (dryRun) {
    return {
      topics: topics.filter((t) => leftover.has(t)).length,
      groups: groupIds.filter((g) => leftover.has(g)).length,
      kept,
    };
  }
  const deleted = await deleteTopicsAndGroups({ brokers, match: (name) => leftover.has(name), timeoutMs });
  return { ...deleted, kept };
}
