// Stops the Kafka broker only if global-setup.cjs started it, and removes its throwaway data dir.
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const kafka = globalThis.__SHOP_TEST_KAFKA__;
  if (!kafka?.startedByUs) return;
  const { stopKafka } = await import('../scripts/lib/kafka-local.mjs');
  await stopKafka({ pid: kafka.pid });
  fs.rmSync(kafka.dataDir, { recursive: true, force: true });
};
