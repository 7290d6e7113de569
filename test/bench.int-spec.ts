import 'reflect-metadata';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AlipaySimulator, generateAlipayKeys } from '@shop/provider-simulators';
import { SERVICE_NAMES, startSystem, type RunningSystem } from '@shop/testing';

// `npm run bench` works: a short run against a real system (five processes, Kafka, PostgreSQL, an Alipay simulator
// for the payments it starts) ends with every payment PAID and posted and writes its JSON result. It checks that the
// benchmark measures, never how fast anything is: timing is for `npm run bench`, not for tests.

const ROOT = path.resolve(__dirname, '..');
const JWT_SECRET = 'bench-spec-secret-0123456789abcdefghijklmn';

describe('npm run bench', () => {
  let system: RunningSystem;
  let simulator: AlipaySimulator;
  let dir: string;
  let secretsFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-spec-'));
    const keys = await generateAlipayKeys();
    const alipay = {
      appId: '2021000199990003',
      sellerId: '2088000199990003',
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
    };
    simulator = new AlipaySimulator(alipay);
    await simulator.start();
    secretsFile = path.join(dir, 'secrets.json');
    fs.writeFileSync(secretsFile, JSON.stringify({ jwtSecret: JWT_SECRET, alipay }), { mode: 0o600 });
    system = await startSystem({
      JWT_SECRET,
      ALIPAY_APP_ID: alipay.appId,
      ALIPAY_SELLER_ID: alipay.sellerId,
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('measures a short run and writes its result', async () => {
    const out = path.join(dir, 'results');
    const args = [
      'scripts/bench.mjs',
      ...[
        '--n',
        '20',
        '--concurrency',
        '4',
        '--rate',
        '10',
        '--raw-seconds',
        '1',
        '--open-seconds',
        '1',
        '--quiet-timeout',
        '5',
      ],
      ...['--gateway', system.urls['api-gateway'], '--ingest', system.urls['notification-ingest']],
      ...['--secrets', secretsFile, '--out', out],
      ...['--order-db', system.databases['order-service'], '--ledger-db', system.databases['ledger-service']],
      ...['--pids', SERVICE_NAMES.map((name) => `${name}=${system.pid(name)}`).join(',')],
    ];
    const run = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: ROOT, timeout: 180_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    // The whole output on failure: it says which phase stopped and why.
    if (run.code !== 0) throw new Error(`npm run bench exited with ${run.code}:\n${run.output}`);
    expect(run.output).toContain('raw reference (inbox+outbox tx/s)');
    expect(run.output).toContain('callbacks acknowledged/s');

    const [file] = fs.readdirSync(out);
    const result = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
    expect(result.raw.transactionsPerSecond).toBeGreaterThan(0);
    expect(result.closedLoop).toMatchObject({ unacknowledged: 0 });
    expect(result.openLoop).toMatchObject({ payments: 10, unacknowledged: 0 });
    for (const key of ['callbacksAckedPerSecond', 'endToEndPaymentsPerSecond', 'ordersAndPaymentsPerSecond']) {
      expect(result.closedLoop[key]).toBeGreaterThan(0);
    }
    expect(result.openLoop.callbackToPaidP99Ms).toEqual(expect.any(Number));
    for (const name of SERVICE_NAMES) {
      expect(result.cpuSeconds[name]).toBeGreaterThan(0);
      expect(result.memoryMb.idle[name]).toBeGreaterThan(0);
    }
    expect(result.cpuSeconds.postgres).toBeGreaterThan(0);
    expect(Object.keys(result.targets)).toHaveLength(5);

    // --compare reads two results.
    const compared = await new Promise<string>((resolve) => {
      const file1 = path.join(out, file);
      execFile(process.execPath, ['scripts/bench.mjs', '--compare', file1, file1], { cwd: ROOT }, (_e, stdout) =>
        resolve(stdout),
      );
    });
    expect(compared).toMatch(/end-to-end payments\/s\s+[\d.]+\s+[\d.]+\s+0\.0%/);
  }, 240_000);
});
