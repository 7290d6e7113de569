import { randomBytes } from 'node:crypto';

/**
 * A name no other test run uses: lower-case letters, digits and underscores, so it is valid as a PostgreSQL
 * database name and as a Kafka topic prefix alike.
 */
export function uniqueName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  return `t_${safe}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
