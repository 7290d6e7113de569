// Types of test-run.mjs (plain JavaScript, so the Jest global setup and teardown and scripts/kafka.mjs can load it).

/** The variable through which the global setup hands its run's marker to the test files. */
export declare const TEST_RUN_ENV: 'SHOP_TEST_RUN';

/** A test run's marker, its start time and the pid of its Jest process, as read from a name. */
export interface TestRunOfName {
  marker: string;
  startedAt: number;
  pid: number;
}

/** A new marker for a test run that this process starts now. */
export declare function newTestRunMarker(options?: { now?: number; pid?: number }): string;

/** The run marker a name starts with, or undefined for a name that no marked test run made. */
export declare function parseTestRunName(name: string, options?: { now?: number }): TestRunOfName | undefined;

/** True when `marker` is a whole run marker (and nothing more). */
export declare function isTestRunMarker(marker: unknown): boolean;

/** True when `name` was made by the test run with this marker; never true for an invalid or empty marker. */
export declare function belongsToTestRun(name: string, marker: string): boolean;

/** The marker of the current test run (SHOP_TEST_RUN, else one made once for this process). */
export declare function testRunMarker(env?: Record<string, string | undefined>): string;

/** A name no other test run uses, starting with the run's marker. */
export declare function testRunName(label: string, marker?: string): string;

/** Which of `names` earlier test runs left behind (their runs have ended); all others are kept. */
export declare function leftoverTestNames(
  names: string[],
  options?: { now?: number; isRunning?: (pid: number) => boolean },
): string[];

/** True for names of test runs, marked or old-style, leftover or not. */
export declare function isTestName(name: string, options?: { now?: number }): boolean;

/** Deletes the consumer groups, then the topics, whose names satisfy `match`; rejects after `timeoutMs`. */
export declare function deleteTopicsAndGroups(options: {
  brokers: string | string[];
  match: (name: string) => boolean;
  timeoutMs?: number;
  batchSize?: number;
}): Promise<{ topics: number; groups: number }>;

/** Deletes the topics and consumer groups of the test run with this marker, and nothing else. */
export declare function deleteTestRunTopics(options: {
  brokers: string | string[];
  marker: string;
  timeoutMs?: number;
  batchSize?: number;
}): Promise<{ topics: number; groups: number }>;

/** Deletes (or with dryRun counts) what earlier test runs left on the broker; `kept` counts live runs' topics. */
export declare function pruneTestTopics(options: {
  brokers: string | string[];
  dryRun?: boolean;
  timeoutMs?: number;
  now?: number;
}): Promise<{ topics: number; groups: number; kept: number }>;
