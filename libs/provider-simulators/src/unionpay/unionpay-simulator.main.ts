// Runs the UnionPay simulator as a process for local runs and end-to-end tests:
//   UNIONPAY_MER_ID=... UNIONPAY_SIM_MERCHANT_CERT=... UNIONPAY_SIM_SIGN_KEY=... UNIONPAY_SIM_SIGN_CERT=... \
//   UNIONPAY_SIM_MIDDLE_CERT=... node dist/libs/provider-simulators/src/unionpay/unionpay-simulator.main.js
// PEM values may carry literal "\n" sequences (as env files do). Only the 'valid' leaf is available this way: the
// other leaf variants need the CA keys, which a process configured from env does not have.
import { X509Certificate } from 'node:crypto';
import { UnionPaySimulator } from './unionpay-simulator';

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // One JSON line per event, like the services' pino logs; never keys or signatures.
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), name: 'unionpay-simulator', msg, ...extra })}\n`,
  );
}

async function main(): Promise<void> {
  const env = process.env;
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return (value ?? '').replace(/\\n/g, '\n');
  };
  const merId = required('UNIONPAY_MER_ID');
  const merchantCert = required('UNIONPAY_SIM_MERCHANT_CERT');
  const signKey = required('UNIONPAY_SIM_SIGN_KEY');
  const signCert = required('UNIONPAY_SIM_SIGN_CERT');
  const middleCert = required('UNIONPAY_SIM_MIDDLE_CERT');
  const portText = env.UNIONPAY_SIM_PORT?.trim() || '3102';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`UNIONPAY_SIM_PORT must be a port number, got ${JSON.stringify(portText)}`);
  }
  if (signCert && middleCert) {
    try {
      // Catch a mismatched pair at start rather than as a rejected notification later.
      if (!new X509Certificate(signCert).checkIssued(new X509Certificate(middleCert))) {
        problems.push('UNIONPAY_SIM_SIGN_CERT is not issued by UNIONPAY_SIM_MIDDLE_CERT');
      }
    } catch {
      problems.push('UNIONPAY_SIM_SIGN_CERT and UNIONPAY_SIM_MIDDLE_CERT must be PEM certificates');
    }
  }
  if (problems.length > 0) {
    // Every problem at once, so one restart fixes them all.
    log('error', 'invalid configuration', { problems });
    process.exitCode = 1;
    return;
  }

  const simulator = new UnionPaySimulator({
    merId,
    merchantCert,
    signKey,
    signCert,
    port,
    host: env.UNIONPAY_SIM_HOST?.trim() || '127.0.0.1',
  });
  const baseUrl = await simulator.start();
  log('info', 'unionpay simulator listening', { baseUrl, gatewayUrl: baseUrl, merId });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => log('info', 'unionpay simulator stopped', { signal }),
      (error: unknown) => {
        log('error', 'unionpay simulator stop failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  log('error', 'unionpay simulator failed to start', {
    code,
    error: error instanceof Error ? error.message : String(error),
  });
  process.exitCode = 1;
});
