// Runs the WeChat Pay simulator as a process for local runs and end-to-end tests:
//   WECHATPAY_APP_ID=... WECHATPAY_MCH_ID=... WECHATPAY_API_V3_KEY=... WECHATPAY_SIM_MERCHANT_PUBLIC_KEY=... \
//   WECHATPAY_SIM_MERCHANT_CERT_SERIAL=... WECHATPAY_SIM_PRIVATE_KEY=... WECHATPAY_SIM_PUBLIC_KEY_ID=PUB_KEY_ID_... \
//   node dist/libs/provider-simulators/src/wechatpay/wechatpay-simulator.main.js
import { WechatPaySimulator } from './wechatpay-simulator';

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // One JSON line per event, like the services' pino logs; never keys, the APIv3 key or signatures.
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), name: 'wechatpay-simulator', msg, ...extra })}\n`,
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
  const appId = required('WECHATPAY_APP_ID');
  const mchId = required('WECHATPAY_MCH_ID');
  // Not trimmed: spaces are legal in an APIv3 key only in theory, but the length check must see the real value.
  const apiV3Key = env.WECHATPAY_API_V3_KEY ?? '';
  if (apiV3Key.length !== 32) problems.push('WECHATPAY_API_V3_KEY must be 32 ASCII characters');
  const merchantPublicKey = required('WECHATPAY_SIM_MERCHANT_PUBLIC_KEY');
  const merchantCertSerial = required('WECHATPAY_SIM_MERCHANT_CERT_SERIAL');
  const platformPrivateKey = required('WECHATPAY_SIM_PRIVATE_KEY');
  const platformSerial = required('WECHATPAY_SIM_PUBLIC_KEY_ID');
  const portText = env.WECHATPAY_SIM_PORT?.trim() || '3101';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`WECHATPAY_SIM_PORT must be a port number, got ${JSON.stringify(portText)}`);
  }
  if (problems.length > 0) {
    // Every problem at once, so one restart fixes them all.
    log('error', 'invalid configuration', { problems });
    process.exitCode = 1;
    return;
  }

  const simulator = new WechatPaySimulator({
    appId,
    mchId,
    apiV3Key,
    merchantPublicKey,
    merchantCertSerial,
    platformPrivateKey,
    platformSerial,
    port,
    host: env.WECHATPAY_SIM_HOST?.trim() || '127.0.0.1',
  });
  const baseUrl = await simulator.start();
  log('info', 'wechatpay simulator listening', { baseUrl, appId, mchId, platformSerial });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    simulator.stop().then(
      () => log('info', 'wechatpay simulator stopped', { signal }),
      (error: unknown) => {
        log('error', 'wechatpay simulator stop failed', {
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
  log('error', 'wechatpay simulator failed to start', {
    code,
    error: error instanceof Error ? error.message : String(error),
  });
  process.exitCode = 1;
});
