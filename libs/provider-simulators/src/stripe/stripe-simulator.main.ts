// Runs the Stripe simulator as a process for local runs and end-to-end tests:
//   STRIPE_SECRET_KEY=sk_test_... STRIPE_WEBHOOK_SECRET=whsec_... STRIPE_SIM_WEBHOOK_URL=http://127.0.0.1:3002/... \
//   node dist/libs/provider-simulators/src/stripe/stripe-simulator.main.js
import { StripeSimulator } from './stripe-simulator';

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // One JSON line per event, like the services' pino logs; never keys or signatures.
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), name: 'stripe-simulator', msg, ...extra })}\n`,
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
  const secretKey = required('STRIPE_SECRET_KEY');
  const webhookSecret = required('STRIPE_WEBHOOK_SECRET');
  if (secretKey && !/^sk_test_\S+$/.test(secretKey))
    problems.push('STRIPE_SECRET_KEY must be a test key (sk_test_...)');
  if (webhookSecret && !/^whsec_\S+$/.test(webhookSecret))
    problems.push('STRIPE_WEBHOOK_SECRET must start with whsec_');
  const webhookUrl = env.STRIPE_SIM_WEBHOOK_URL?.trim() || undefined;
  if (webhookUrl !== undefined && !/^https?:\/\/\S+$/.test(webhookUrl)) {
    problems.push('STRIPE_SIM_WEBHOOK_URL must be an http(s) URL');
  }
  const portText = env.STRIPE_SIM_PORT?.trim() || '3103';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`STRIPE_SIM_PORT must be a port number, got ${JSON.stringify(portText)}`);
  }
  if (problems.length > 0) {
    // Every problem at once, so one restart fixes them all.
    log('error', 'invalid configuration', { problems });
    process.exitCode = 1;
    return;
  }

  const simulator = new StripeSimulator({
    secretKey,
    webhookSecret,
    webhookUrl,
    port,
    host: env.STRIPE_SIM_HOST?.trim() || '127.0.0.1',
  });
  const baseUrl = await simulator.start();
  log('info', 'stripe simulator listening', { baseUrl, webhookUrl: webhookUrl ?? null });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => log('info', 'stripe simulator stopped', { signal }),
      (error: unknown) => {
        log('error', 'stripe simulator stop failed', { error: error instanceof Error ? error.message : String(error) });
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
  log('error', 'stripe simulator failed to start', {
    code,
    error: error instanceof Error ? error.message : String(error),
  });
  process.exitCode = 1;
});
