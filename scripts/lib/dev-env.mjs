// What `npm start` adds for local runs: development secrets (generated once, kept in the git-ignored
// .cache/dev/secrets.json), provider simulators for every provider whose variables are not set, and bearer
// tokens for trying the API. Nothing here is used in production.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Loads the local secrets, creating them (once) when missing. The file is readable by its owner only. */
export async function loadDevSecrets(root) {
  const file = path.join(root, '.cache', 'dev', 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const { generateAlipayKeys } = require(path.join(root, 'dist/libs/provider-simulators/src/index.js'));
  const alipay = await generateAlipayKeys();
  const secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    alipay: {
      appId: '2021000100000001',
      sellerId: '2088000100000001',
      // The formats merchants are handed: the app key as raw base64 PKCS#1, Alipay's key as raw base64 SPKI.
      appPrivateKey: alipay.app.privateKeyPkcs1Base64,
      appPublicKey: alipay.app.publicKeyBase64,
      alipayPrivateKey: alipay.alipay.privateKeyPem,
      alipayPublicKey: alipay.alipay.publicKeyBase64,
    },
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * Fills in what the services need for a local run and lists the simulators to start. Variables the caller set
 * always win: a provider configured in the environment is used as it is, with no simulator.
 */
export function devEnvironment(env, secrets, ports) {
  const serviceEnv = {};
  const simulators = [];
  serviceEnv.JWT_SECRET = env.JWT_SECRET || secrets.jwtSecret;
  serviceEnv.CALLBACK_BASE_URL = env.CALLBACK_BASE_URL || `http://127.0.0.1:${ports.notificationIngest}`;
  if (!env.ALIPAY_GATEWAY_URL) {
    const port = Number(env.ALIPAY_SIM_PORT ?? 3100);
    const { alipay } = secrets;
    Object.assign(serviceEnv, {
      ALIPAY_APP_ID: alipay.appId,
      ALIPAY_SELLER_ID: alipay.sellerId,
      ALIPAY_PRIVATE_KEY: alipay.appPrivateKey,
      ALIPAY_PUBLIC_KEY: alipay.alipayPublicKey,
      ALIPAY_GATEWAY_URL: `http://127.0.0.1:${port}/gateway.do`,
    });
    simulators.push({
      name: 'alipay-simulator',
      entry: 'dist/libs/provider-simulators/src/alipay/alipay-simulator.main.js',
      url: `http://127.0.0.1:${port}`,
      readyPath: '/_simulator/alipay/trades',
      env: {
        ALIPAY_APP_ID: alipay.appId,
        ALIPAY_SELLER_ID: alipay.sellerId,
        ALIPAY_SIM_APP_PUBLIC_KEY: alipay.appPublicKey,
        ALIPAY_SIM_PRIVATE_KEY: alipay.alipayPrivateKey,
        ALIPAY_SIM_PORT: String(port),
      },
    });
  }
  return { serviceEnv, simulators };
}

/** A customer token and an admin token for local use, valid for 30 days. */
export function devTokens(root, secret) {
  const { signToken } = require(path.join(root, 'dist/apps/api-gateway/src/auth/jwt.js'));
  const expiresInSeconds = 30 * 24 * 3600;
  return {
    customer: signToken(secret, { sub: 'customer-1', roles: ['customer'] }, { expiresInSeconds }),
    admin: signToken(secret, { sub: 'admin-1', roles: ['admin'] }, { expiresInSeconds }),
  };
}
