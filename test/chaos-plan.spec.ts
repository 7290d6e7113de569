import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

// scripts/lib/chaos-plan.mjs is an ES module of the tooling; it is run here the way the harness runs it.
const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'scripts/lib/chaos-plan.mjs');

function evaluate<T>(expression: string): T {
  const source = `import * as plan from ${JSON.stringify(LIB)}; process.stdout.write(JSON.stringify(${expression}));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8' })) as T;
}

const TARGETS = `{ count: 12, services: ['api-gateway', 'order-service'],
  databases: ['shop_order_service'], broker: true }`;

describe('the chaos harness plan (scripts/lib/chaos-plan.mjs)', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = evaluate<unknown[]>(`plan.faultPlan(plan.createPrng(7), ${TARGETS})`);
    expect(evaluate<unknown[]>(`plan.faultPlan(plan.createPrng(7), ${TARGETS})`)).toEqual(a);
    expect(evaluate<unknown[]>(`plan.faultPlan(plan.createPrng(8), ${TARGETS})`)).not.toEqual(a);
  });

  it('keeps every fault within its bounds: SIGSTOP past the 10 s session timeout, databases down 5-40 s', () => {
    const faults = evaluate<{ kind: string; target?: string; database?: string; ms: number }[]>(
      `Array.from({ length: 50 }, (_, s) => plan.faultPlan(plan.createPrng(s), ${TARGETS})).flat()`,
    );
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(['kill', 'stop', 'db']));
    for (const f of faults) {
      if (f.kind === 'stop') expect(f.ms).toBeGreaterThan(10_000);
      if (f.kind === 'stop') expect(['api-gateway', 'order-service']).toContain(f.target);
      if (f.kind === 'db') expect(f.ms).toBeGreaterThanOrEqual(5000);
      if (f.kind === 'db') expect(f.ms).toBeLessThanOrEqual(40_000);
    }
    expect(faults.some((f) => f.kind === 'kill' && f.target === 'kafka')).toBe(true);
  });

  it('refuses a missing seed or an unknown provider, naming each problem', () => {
    const result = spawnSync(process.execPath, ['scripts/chaos.mjs', '--payments', 'x', '--providers', 'paypal'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--seed <n> is required');
    expect(result.stderr).toContain('--payments must be an integer');
    expect(result.stderr).toContain('unknown provider in --providers: paypal');
  });
});
