#!/usr/bin/env node
// Local Kafka broker for development: `npm run kafka -- start|stop|status|prune-test-topics`
// (see scripts/lib/kafka-local.mjs, and libs/testing/src/test-run.mjs for the names of test runs).
// The port comes from KAFKA_LOCAL_PORT (default 9092); the controller uses the next port.

import { pruneTestTopics } from '../libs/testing/src/test-run.mjs';
import { ensureKafka, kafkaStatus, stopKafka } from './lib/kafka-local.mjs';

// kafkajs 2.2.4 schedules timers with a negative delay (requestQueue, throttledUntil = -1; the services replace
// that one, see libs/messaging/src/kafkajs-request-queue.fix.ts), which Node 23+ reports as a
// TimeoutNegativeWarning. Keep it out of this CLI's output and show other warnings.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(`${warning.name}: ${warning.message}`);
});

const USAGE = `Usage: node scripts/kafka.mjs <start|stop|status|prune-test-topics [--dry-run]>
  start              start a local Kafka broker in the background (downloads it with Maven on first use)
  stop               stop the broker started by "start"
  status             exit 0 if a broker answers, 3 if not
  prune-test-topics  delete the topics and consumer groups that ended test runs left on the local broker
                     (--dry-run: only count them); topics of npm start and of running tests are kept
Port: KAFKA_LOCAL_PORT (default 9092).`;

const commands = {
  async start() {
    const { brokers, startedByUs, pid, logFile } = await ensureKafka();
    if (!startedByUs) {
      console.log(`Kafka is already running on ${brokers}${pid ? ` (pid ${pid})` : ' (not started by this tool)'}`);
      return 0;
    }
    console.log(`Kafka is running in the background.\n  brokers: ${brokers}\n  pid:     ${pid}\n  log:     ${logFile}`);
    console.log('Stop it with: npm run kafka -- stop');
    return 0;
  },

  async stop() {
    const { stopped, pid, killed } = await stopKafka();
    if (stopped) {
      console.log(`Stopped Kafka (pid ${pid})${killed ? ' with SIGKILL after it ignored SIGTERM' : ''}`);
      return 0;
    }
    const { running, brokers } = await kafkaStatus();
    console.log(
      running
        ? `A broker answers on ${brokers} but was not started by this tool (no pid file); leaving it alone.`
        : 'Kafka is not running.',
    );
    return 0;
  },

  async status() {
    const { running, brokers, pid, logFile } = await kafkaStatus();
    if (!running) {
      console.log(`Kafka is not running on ${brokers}${pid ? ` (pid ${pid} exists but does not answer yet)` : ''}`);
      return 3;
    }
    console.log(
      `Kafka is running on ${brokers}${pid ? ` (pid ${pid}, log ${logFile})` : ' (not started by this tool)'}`,
    );
    return 0;
  },

  async 'prune-test-topics'(options) {
    const { running, brokers } = await kafkaStatus();
    if (!running) {
      console.log(`Kafka is not running on ${brokers}; nothing to prune.`);
      return 3;
    }
    const dryRun = options.includes('--dry-run');
    const { topics, groups, kept } = await pruneTestTopics({ brokers, dryRun });
    const keptNote = kept ? `; kept ${kept} topics of test runs that may still be going` : '';
    console.log(
      `${dryRun ? 'Would delete' : 'Deleted'} ${topics} topics and ${groups} consumer groups of ended test runs ` +
        `on ${brokers}${keptNote}.`,
    );
    if (!dryRun && topics > 0) console.log('The broker removes their files within a minute.');
    return 0;
  },
};

const [name, ...options] = process.argv.slice(2);
const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
const allowed = name === 'prune-test-topics' ? ['--dry-run'] : [];
if (!command || options.some((o) => !allowed.includes(o))) {
  console.error(USAGE);
  process.exit(2);
}
try {
  process.exitCode = await command(options);
} catch (err) {
  console.error(`kafka ${process.argv[2]}: ${err.message}`);
  process.exitCode = 1;
}
