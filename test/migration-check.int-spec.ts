// `npm run migration:check` against the real migrations and PostgreSQL: every service's migrations build what its
// entities map. The second case proves the check can fail: an entity column no migration creates is reported.
// Both run in child node processes: the check and the compiled services are ES modules.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { uniqueName } from '@shop/testing';

const ROOT = path.resolve(__dirname, '..');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('migration:check', () => {
  it('finds the migrations of every service in agreement with its entities', async () => {
    const result = await run(['scripts/migration-check.mjs']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const service of [
      'api-gateway',
      'order-service',
      'payment-gateway',
      'notification-ingest',
      'ledger-service',
    ]) {
      expect(result.stdout).toContain(`${service}: migrations match the entities`);
    }
  });

  it('reports an entity column that no migration creates', async () => {
    const check = pathToFileURL(path.join(ROOT, 'scripts/lib/migration-check.mjs')).href;
    const entity = pathToFileURL(path.join(ROOT, 'dist/apps/order-service/src/orders/order.entity.js')).href;
    // A column added to the entity without a migration: exactly the mistake the check exists for.
    const script = `
      import { Column } from 'typeorm';
      import { OrderEntity } from ${JSON.stringify(entity)};
      import { checkService } from ${JSON.stringify(check)};
      Column({ name: 'gift_note', type: 'varchar', length: 200 })(OrderEntity.prototype, 'giftNote');
      const missing = await checkService({ root: ${JSON.stringify(ROOT)}, service: 'order-service', prefix: ${JSON.stringify(uniqueName('mc'))} });
      process.stdout.write(JSON.stringify(missing));
    `;
    const result = await run(['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    const missing = JSON.parse(result.stdout) as string[];
    expect(missing).toEqual([expect.stringContaining('"gift_note"')]);
  });
});
