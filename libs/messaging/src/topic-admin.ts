import type { Kafka } from 'kafkajs';

/**
 * Creates the topics that do not exist yet and waits for their leaders. Brokers run with auto-creation off,
 * so a consumer never subscribes to a missing topic. Safe to call concurrently from several services.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions: number): Promise<string[]> {
  // A broker that has just started (or is still loading many partitions) answers some requests with retriable
  // errors such as "does not host this topic-partition" for a while; wait those out instead of failing a start.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await ensureTopicsOnce(kafka, topics, numPartitions);
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function ensureTopicsOnce(kafka: Kafka, topics: string[], numPartitions: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
      });
    } catch (error) {
      // Another service may have created some of them in between; anything else is a real failure.
      const existsNow = new Set(await admin.listTopics());
      if (!missing.every((t) => existsNow.has(t))) throw error;
    }
    await admin.fetchTopicMetadata({ topics: missing });
    return missing;
  } finally {
    await admin.disconnect();
  }
}
