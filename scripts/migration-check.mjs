// `npm run migration:check`: fails when a service's migrations and its entities disagree (a column an entity maps
// that no migration creates, a type or nullability that differs). Needs PostgreSQL (DB_HOST/DB_PORT/DB_USER, as the
// services); works in throwaway databases and leaves nothing behind.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkService, SERVICES } from './lib/migration-check.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prefix = `migration_check_${process.pid}`;
let failed = false;
for (const service of SERVICES) {
  const missing = await checkService({ root, service, prefix });
  if (missing.length === 0) {
    console.log(`${service}: migrations match the entities`);
  } else {
    failed = true;
    console.error(`${service}: the migrations do not build what the entities describe; still needed:`);
    for (const sql of missing) console.error(`  ${sql}`);
  }
}
if (failed) {
  console.error('Add a migration for the statements above (apps/<service>/src/migrations), then run this again.');
  process.exit(1);
}
