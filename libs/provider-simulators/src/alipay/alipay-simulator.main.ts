// Runs the Alipay simulator as a process for local runs and end-to-end tests:
//   ALIPAY_APP_ID=... ALIPAY_SELLER_ID=... ALIPAY_SIM_APP_PUBLIC_KEY=... ALIPAY_SIM_PRIVATE_KEY=... \
//   node dist/libs/provider-simulators/src/alipay/alipay-simulator.main.js
import { AlipaySimulator } from './alipay-simulator';

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // One JSON line per event, like the services' pino logs; never keys or signatures.
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), name: 'alipay-simulator', msg, ...extra })}\n`,
  );
}

async function main(): Promise<void> {
  const env = process.env;
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const appId = required('ALIPAY_APP_ID');
  const sellerId = required('ALIPAY_SELLER_ID');
  const appPublicKey = required('ALIPAY_SIM_APP_PUBLIC_KEY');
  const alipayPrivateKey = required('ALIPAY_SIM_PRIVATE_KEY');
  const portText = env.ALIPAY_SIM_PORT?.trim() || '3100';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    problems.push(`ALIPAY_SIM_PORT must be a port number, got ${JSON.stringify(portText)}`);
  if (problems.length > 0) {
    // Every problem at once, so one restart fixes them all.
    log('error', 'invalid configuration', { problems });
    process.exitCode = 1;
    return;
  }

  const simulator = new AlipaySimulator({
    appId,
    sellerId,
    appPublicKey,
    alipayPrivateKey,
    port,
    host: env.ALIPAY_SIM_HOST?.trim() || '127.0.0.1',
  });
  const baseUrl = await simulator.start();
  log('info', 'alipay simulator listening', { baseUrl, gatewayUrl: simulator.gatewayUrl, appId });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => log('info', 'alipay simulator stopped', { signal }),
      (error: unknown) => {
        log('error', 'alipay simulator stop failed', { error: error instanceof Error ? error.message : String(error) });
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  log('error', 'alipay simulator failed to start', {
    code,
    error: error instanceof Error ? error.message : String(error),
  });
  process.exitCode = 1;
});
