import 'reflect-metadata';
import { allTopics } from '@shop/contracts';
import { physicalName } from '@shop/messaging';
import { testKafkaSettings } from './kafka';
import { uniqueName } from './names';
import {
  belongsToTestRun,
  deleteTestRunTopics,
  isTestRunMarker,
  leftoverTestNames,
  newTestRunMarker,
  parseTestRunName,
  TEST_RUN_ENV,
  testRunMarker,
  testRunName,
} from './test-run.mjs';

const NOW = Date.UTC(2026, 4, 20, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const run = newTestRunMarker({ now: NOW, pid: 4242 });
/** Every topic, dead-letter topic and consumer group a prefix gets, as the services name them. */
const namesOf = (prefix: string): string[] => [
  ...allTopics().map((topic) => physicalName({ topicPrefix: prefix }, topic)),
  physicalName({ topicPrefix: prefix }, 'order-service'),
];

describe('test run markers', () => {
  it('carry the start time and the pid of the Jest process, and end in an underscore', () => {
    expect(run).toMatch(/^tr_[0-9a-z]{8}_[0-9a-z]+_$/);
    expect(parseTestRunName(`${run}ledger_1a2b3c4d.orders.order-created.v1`)).toEqual({
      marker: run,
      startedAt: NOW,
      pid: 4242,
    });
    expect(isTestRunMarker(run)).toBe(true);
  });

  it('prefix every name the test helpers make, and the names are valid database names and topic prefixes', () => {
    const previous = process.env[TEST_RUN_ENV];
    process.env[TEST_RUN_ENV] = run;
    try {
      const name = uniqueName('A label much longer than twenty-four characters!');
      expect(name.startsWith(run)).toBe(true);
      expect(name).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
      expect(name.length).toBeLessThanOrEqual(51);
      expect(testKafkaSettings('orders').topicPrefix.startsWith(run)).toBe(true);
      expect(uniqueName('same')).not.toBe(uniqueName('same'));
    } finally {
      if (previous === undefined) delete process.env[TEST_RUN_ENV];
      else process.env[TEST_RUN_ENV] = previous;
    }
  });

  it('come from SHOP_TEST_RUN, else are made once per process; a malformed SHOP_TEST_RUN is refused', () => {
    expect(testRunMarker({ [TEST_RUN_ENV]: run })).toBe(run);
    const own = testRunMarker({});
    expect(parseTestRunName(own)?.pid).toBe(process.pid);
    expect(testRunMarker({})).toBe(own);
    expect(() => testRunMarker({ [TEST_RUN_ENV]: 'orders' })).toThrow(/not a test run marker/);
  });
});

describe('the names of a test run', () => {
  const ours = [testRunName('ledger', run), testRunName('system', run), testRunName('', run)].flatMap(namesOf);
  const others = [
    // npm start: no prefix at all
    ...namesOf(''),
    '__consumer_offsets',
    // other runs: another pid at the same moment, the same pid later, a pid that extends ours
    ...namesOf(testRunName('ledger', newTestRunMarker({ now: NOW, pid: 4243 }))),
    ...namesOf(testRunName('ledger', newTestRunMarker({ now: NOW + 1, pid: 4242 }))),
    ...namesOf(testRunName('ledger', `${run.slice(0, -1)}0_`)),
    // test names from before run markers, and near misses
    ...namesOf(`t_ledger_${NOW.toString(36)}_1a2b3c`),
    `${run.slice(0, -1)}.orders.order-created.v1`,
    `x${run}ledger.orders.order-created.v1`,
    run.toUpperCase(),
  ];

  it('are exactly the topics, dead-letter topics and groups whose names start with its marker', () => {
    const all = [...others, ...ours];
    expect(all.filter((name) => belongsToTestRun(name, run))).toEqual(ours);
  });

  it('match nothing for a marker that is not a whole run marker', () => {
    for (const marker of ['', 't_', 'tr_', run.slice(0, -1), `${run}ledger_`, 'tr_orders_v2_', 'tr_00000001_1_']) {
      expect([...others, ...ours].filter((name) => belongsToTestRun(name, marker))).toEqual([]);
    }
  });

  it('are never deleted by a malformed marker: the cleanup refuses it before it connects', async () => {
    await expect(deleteTestRunTopics({ brokers: '127.0.0.1:1', marker: '' })).rejects.toThrow(
      /not a test run marker; deleting nothing/,
    );
  });
});

describe('leftovers of earlier test runs', () => {
  const ended = newTestRunMarker({ now: NOW - HOUR, pid: 100 });
  const going = newTestRunMarker({ now: NOW - HOUR, pid: 200 });
  const dayOld = newTestRunMarker({ now: NOW - 25 * HOUR, pid: 200 });
  const isRunning = (pid: number): boolean => pid === 200;
  const legacy = (ageMs: number): string => `t_ledger_journal_${(NOW - ageMs).toString(36)}_1a2b3c`;

  it('are names of ended runs or runs over a day old, and old-style names over an hour old', () => {
    const leftover = [
      ...namesOf(testRunName('ledger', ended)),
      ...namesOf(testRunName('system', dayOld)),
      ...namesOf(legacy(2 * HOUR)),
    ];
    const kept = [
      ...namesOf(''),
      '__consumer_offsets',
      ...namesOf(testRunName('ledger', going)),
      ...namesOf(legacy(10 * 60 * 1000)),
      ...namesOf('tr_orders_v2'),
      ...namesOf('t_orders_v2_x'),
      'tr_orders_v2_topic',
    ];
    expect(leftoverTestNames([...kept, ...leftover], { now: NOW, isRunning })).toEqual(leftover);
  });
});
