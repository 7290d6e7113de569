import { Kafka, logLevel, type Admin } from 'kafkajs';
import { eventually, testBrokers } from './kafka';
import { deleteTestRunTopics, deleteTopicsAndGroups, newTestRunMarker, testRunName } from './test-run.mjs';

// Runs of their own (pids above the kernel's maximum, so no live process owns them): deleting by the real run's
// marker here would delete the topics of the specs running beside this one.
const run = newTestRunMarker({ pid: 4_194_311 });
const other = newTestRunMarker({ pid: 4_194_312 });
const ours = [`${testRunName('a', run)}.t1`, `${testRunName('a', run)}.t1.dlq`, `${testRunName('b', run)}.t2`];
const othersTopics = [`${testRunName('a', other)}.t1`, `${run.slice(0, -1)}.t1`, `x${run}a.t1`];
const ourGroup = `${testRunName('a', run)}.group`;
const othersGroup = `${testRunName('a', other)}.group`;

/** A fresh admin per use: kafkajs keeps refreshing the metadata of topics an admin created, and fails once deleted. */
async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'test-run-spec', brokers: [testBrokers()], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** The broker's topics once none of the run's is listed any more (its metadata follows a deletion shortly after). */
function topicsOnceGone(marker: string): Promise<string[]> {
  return eventually(
    async () => {
      const topics = await withAdmin((admin) => admin.listTopics());
      return topics.some((t) => t.startsWith(marker)) ? undefined : topics;
    },
    { timeoutMs: 10_000, message: `no topic of ${marker} listed` },
  );
}

describe('deleting the topics of a test run from a running broker', () => {
  beforeAll(async () => {
    await withAdmin(async (admin) => {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [...ours, ...othersTopics].map((topic) => ({ topic, numPartitions: 1 })),
      });
      // Committed offsets make the groups exist without a consumer having to join.
      for (const [groupId, topic] of [
        [ourGroup, ours[0]],
        [othersGroup, othersTopics[0]],
      ]) {
        await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
      }
    });
  });

  afterAll(async () => {
    const decoys = new Set([...ours, ...othersTopics, ourGroup, othersGroup]);
    await deleteTopicsAndGroups({ brokers: testBrokers(), match: (name) => decoys.has(name) });
  });

  it("deletes the run's topics, dead-letter topics and groups in batches, and nothing else", async () => {
    const deleted = await deleteTestRunTopics({ brokers: testBrokers(), marker: run, batchSize: 2 });

    expect(deleted).toEqual({ topics: 3, groups: 1 });
    const topics = await topicsOnceGone(run);
    expect(topics).toEqual(expect.arrayContaining(othersTopics));
    const groups = await withAdmin(async (admin) => (await admin.listGroups()).groups.map((g) => g.groupId));
    expect(groups).not.toContain(ourGroup);
    expect(groups).toContain(othersGroup);
  });

  it('tolerates topics that are gone already, also when two cleanups race', async () => {
    const again = newTestRunMarker({ pid: 4_194_313 });
    const topics = [1, 2, 3, 4].map((i) => `${testRunName(`r${i}`, again)}.t`);
    await withAdmin((admin) =>
      admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 1 })) }),
    );

    const results = await Promise.all([
      deleteTestRunTopics({ brokers: testBrokers(), marker: again, batchSize: 1 }),
      deleteTestRunTopics({ brokers: testBrokers(), marker: again, batchSize: 4 }),
    ]);

    expect(results.every((r) => r.topics <= topics.length)).toBe(true);
    await topicsOnceGone(again);
    expect(await deleteTestRunTopics({ brokers: testBrokers(), marker: again })).toEqual({ topics: 0, groups: 0 });
  });
});
