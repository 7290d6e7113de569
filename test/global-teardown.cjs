// Stops the Kafka broker if global-setup.cjs started it, and removes its throwaway data dir. On a broker that was
// already running (a developer's `npm run kafka -- start` or `npm start`), deletes the topics and consumer groups
// of this run instead, and only those: their names start with this run's marker. Never fails or stalls the run.
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const kafka = globalThis.__SHOP_TEST_KAFKA__;
  if (!kafka) return;
  const log = (line) => process.stderr.write(`[kafka] ${line}\n`);
  if (kafka.startedByUs) {
    const { stopKafka } = await import('../scripts/lib/kafka-local.mjs');
    await stopKafka({ pid: kafka.pid });
    fs.rmSync(kafka.dataDir, { recursive: true, force: true });
    return;
  }
  const { deleteTestRunTopics } = await import('../libs/testing/src/test-run.mjs');
  const started = Date.now();
  try {
    const { topics, groups } = await deleteTestRunTopics({ brokers: kafka.brokers, marker: kafka.runMarker });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(`Deleted ${topics} topics and ${groups} consumer groups of this run (${kafka.runMarker}*) in ${seconds} s`);
  } catch (error) {
    log(
      `Could not delete the topics of this run (${kafka.runMarker}*): ${error.message}. ` +
        '`npm run kafka -- prune-test-topics` deletes them later.',
    );
  }
};
