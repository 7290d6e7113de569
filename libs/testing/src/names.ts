import { testRunName } from './test-run.mjs';

/**
 * A name no other test run uses, starting with this run's marker (see test-run.mjs) so the run's topics can be
 * deleted after it: lower-case letters, digits and underscores, valid as a PostgreSQL database name and as a Kafka
 * topic prefix alike.
 */
export function uniqueName(label: string): string {
  return testRunName(label);
}
