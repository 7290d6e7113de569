// What `npm start` adds for local runs: development secrets (generated once, kept in the git-ignored
// .cache/dev/secrets.json), provider simulators for every provider whose variables are not set, and bearer
// tokens for trying the API. Nothing here is used in production.
import { X509Certificate, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The payment providers a local run knows. A provider counts as configured when any of `configuredBy` is set in
 * the environment: it is then used exactly as configured, with no simulator. Otherwise `npm start` runs its
 * simulator on `portVariable` (default `defaultPort`) and fills in every variable the services read.
 */
export const PROVIDERS = [
  {
    name: 'alipay',
    configuredBy: ['ALIPAY_APP_ID', 'ALIPAY_GATEWAY_URL'],
    portVariable: 'ALIPAY_SIM_PORT',
    defaultPort: 3100,
  },
  {
    name: 'wechatpay',
    configuredBy: ['WECHATPAY_APP_ID', 'WECHATPAY_BASE_URL'],
    portVariable: 'WECHATPAY_SIM_PORT',
    defaultPort: 3101,
  },
  {
    name: 'unionpay',
    configuredBy: ['UNIONPAY_MER_ID', 'UNIONPAY_GATEWAY_URL'],
    portVariable: 'UNIONPAY_SIM_PORT',
    defaultPort: 3102,
  },
  {
    name: 'stripe',
    configuredBy: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE_URL'],
    portVariable: 'STRIPE_SIM_PORT',
    defaultPort: 3103,
  },
];

const isSet = (env, name) => env[name] !== undefined && env[name] !== '';

/** The port a provider's simulator listens on under this environment. */
export function simulatorPort(env, provider) {
  return Number(env[provider.portVariable] || provider.defaultPort);
}

/** The providers that get a simulator under this environment (none of their variables set). */
export function simulatedProviders(env) {
  return PROVIDERS.filter((provider) => !provider.configuredBy.some((name) => isSet(env, name)));
}

/** Reads the optional .env file of `root` into `env` (KEY=value lines); variables already set win. */
export function loadDotEnv(root, env = process.env) {
  const file = path.join(root, '.env');
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match && env[match[1]] === undefined) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
}

// What each section of secrets.json must hold; a section missing a field is generated again.
const SECTION_FIELDS = {
  alipay: ['appId', 'sellerId', 'appPrivateKey', 'appPublicKey', 'alipayPrivateKey', 'alipayPublicKey'],
  wechatpay: [
    'appId',
    'mchId',
    'apiV3Key',
    'merchantPrivateKey',
    'merchantPublicKey',
    'merchantCertSerial',
    'platformPrivateKey',
    'platformPublicKey',
    'publicKeyId',
  ],
  unionpay: [
    'merId',
    'rootCert',
    'middleCert',
    'signCert',
    'signPrivateKey',
    'merchantCert',
    'merchantPrivateKey',
    'merchantCertId',
  ],
  stripe: ['secretKey', 'webhookSecret'],
};
// Generated UnionPay leaves live a year: renew them a week before they would be refused as expired.
const CERT_RENEW_MS = 7 * 24 * 3600 * 1000;

function certificatesFresh(pems) {
  try {
    return pems.every((pem) => Date.parse(new X509Certificate(pem).validTo) - Date.now() > CERT_RENEW_MS);
  } catch {
    return false;
  }
}

function sectionUsable(name, section) {
  if (typeof section !== 'object' || section === null) return false;
  if (!SECTION_FIELDS[name].every((field) => typeof section[field] === 'string' && section[field] !== '')) {
    return false;
  }
  if (name === 'unionpay') {
    return certificatesFresh([section.rootCert, section.middleCert, section.signCert, section.merchantCert]);
  }
  return true;
}

/** Throwaway credentials of one provider, from the simulators' own generators. */
async function generateSection(name, generators) {
  switch (name) {
    case 'alipay': {
      const keys = await generators.generateAlipayKeys();
      return {
        appId: '2021000100000001',
        sellerId: '2088000100000001',
        // The formats merchants are handed: the app key as raw base64 PKCS#1, Alipay's key as raw base64 SPKI.
        appPrivateKey: keys.app.privateKeyPkcs1Base64,
        appPublicKey: keys.app.publicKeyBase64,
        alipayPrivateKey: keys.alipay.privateKeyPem,
        alipayPublicKey: keys.alipay.publicKeyBase64,
      };
    }
    case 'wechatpay': {
      const keys = await generators.generateWechatPayKeys();
      return {
        appId: 'wx00000000000000a1',
        mchId: '1900000109',
        // 32 ASCII characters, as the merchant console asks for.
        apiV3Key: randomBytes(16).toString('hex'),
        merchantPrivateKey: keys.merchant.privateKeyPem,
        merchantPublicKey: keys.merchant.publicKeyPem,
        merchantCertSerial: keys.merchant.certSerial,
        // "WeChat Pay's" key pair in public-key mode: the services verify with the public key and its id.
        platformPrivateKey: keys.platform.privateKeyPem,
        platformPublicKey: keys.platform.publicKeyPem,
        publicKeyId: keys.platform.publicKeyId,
      };
    }
    case 'unionpay': {
      const certs = await generators.generateUnionPayCertificates();
      return {
        // UnionPay's test merchant id; the generated merchant certificate names it too.
        merId: '777290058110048',
        rootCert: certs.root.certPem,
        middleCert: certs.middle.certPem,
        // UnionPay's signing leaf (CN 041@Z12@中国银联股份有限公司@...) and its key: the simulator signs with them.
        signCert: certs.sign.certPem,
        signPrivateKey: certs.sign.privateKeyPem,
        merchantCert: certs.merchant.certPem,
        merchantPrivateKey: certs.merchant.privateKeyPem,
        merchantCertId: certs.merchant.certId,
      };
    }
    case 'stripe': {
      const { secretKey, webhookSecret } = generators.generateStripeSecrets();
      return { secretKey, webhookSecret };
    }
    default:
      throw new Error(`no generator for ${name}`);
  }
}

/**
 * Loads the local secrets, creating what is missing (once): a file from an older version gets the newer
 * providers' sections added and keeps everything it had. The file is readable by its owner only.
 */
export async function loadDevSecrets(root, file = path.join(root, '.cache', 'dev', 'secrets.json')) {
  let secrets = {};
  if (fs.existsSync(file)) {
    try {
      secrets = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      throw new Error(`${path.relative(root, file)} is not valid JSON; delete it to generate new local secrets`);
    }
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
      throw new Error(`${path.relative(root, file)} is not a JSON object; delete it to generate new local secrets`);
    }
  }
  const missing = Object.keys(SECTION_FIELDS).filter((name) => !sectionUsable(name, secrets[name]));
  const changed =
    missing.length > 0 ||
    typeof secrets.jwtSecret !== 'string' ||
    secrets.jwtSecret.length < 32 ||
    typeof secrets.internalToken !== 'string' ||
    secrets.internalToken.length < 32;
  if (!changed) {
    // Older versions wrote it with the same mode; this repairs a file whose mode was loosened since.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return secrets;
  }
  const generators = missing.length > 0 ? require(path.join(root, 'dist/libs/provider-simulators/src/index.js')) : {};
  const generated = await Promise.all(missing.map((name) => generateSection(name, generators)));
  const updated = { ...secrets };
  if (typeof updated.jwtSecret !== 'string' || updated.jwtSecret.length < 32) {
    updated.jwtSecret = randomBytes(32).toString('hex');
  }
  // The service token on /internal routes, shared by the services of this local system.
  if (typeof updated.internalToken !== 'string' || updated.internalToken.length < 32) {
    updated.internalToken = randomBytes(32).toString('hex');
  }
  missing.forEach((name, i) => (updated[name] = generated[i]));
  // Written aside and renamed: a reader never sees half a file, and the file is never readable by others.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(updated, null, 2), { mode: 0o600 });
  fs.renameSync(temporary, file);
  return updated;
}

/** What the services and a simulator need for one simulated provider. */
function simulatedProvider(name, secrets, port, callbackBaseUrl) {
  const base = `http://127.0.0.1:${port}`;
  switch (name) {
    case 'alipay': {
      const { alipay } = secrets;
      return {
        serviceEnv: {
          ALIPAY_APP_ID: alipay.appId,
          ALIPAY_SELLER_ID: alipay.sellerId,
          ALIPAY_PRIVATE_KEY: alipay.appPrivateKey,
          ALIPAY_PUBLIC_KEY: alipay.alipayPublicKey,
          ALIPAY_GATEWAY_URL: `${base}/gateway.do`,
        },
        simulator: {
          entry: 'dist/libs/provider-simulators/src/alipay/alipay-simulator.main.js',
          readyPath: '/_simulator/alipay/trades',
          env: {
            ALIPAY_APP_ID: alipay.appId,
            ALIPAY_SELLER_ID: alipay.sellerId,
            ALIPAY_SIM_APP_PUBLIC_KEY: alipay.appPublicKey,
            ALIPAY_SIM_PRIVATE_KEY: alipay.alipayPrivateKey,
            ALIPAY_SIM_PORT: String(port),
          },
        },
      };
    }
    case 'wechatpay': {
      const { wechatpay } = secrets;
      return {
        serviceEnv: {
          WECHATPAY_APP_ID: wechatpay.appId,
          WECHATPAY_MCH_ID: wechatpay.mchId,
          WECHATPAY_API_V3_KEY: wechatpay.apiV3Key,
          WECHATPAY_PRIVATE_KEY: wechatpay.merchantPrivateKey,
          WECHATPAY_CERT_SERIAL: wechatpay.merchantCertSerial,
          WECHATPAY_PUBLIC_KEY: wechatpay.platformPublicKey,
          WECHATPAY_PUBLIC_KEY_ID: wechatpay.publicKeyId,
          // The simulator signs in public-key mode only: no stray certificates from the shell.
          WECHATPAY_PLATFORM_CERTS: '',
          WECHATPAY_BASE_URL: base,
        },
        simulator: {
          entry: 'dist/libs/provider-simulators/src/wechatpay/wechatpay-simulator.main.js',
          readyPath: '/_simulator/wechatpay/trades',
          env: {
            WECHATPAY_APP_ID: wechatpay.appId,
            WECHATPAY_MCH_ID: wechatpay.mchId,
            WECHATPAY_API_V3_KEY: wechatpay.apiV3Key,
            WECHATPAY_SIM_MERCHANT_PUBLIC_KEY: wechatpay.merchantPublicKey,
            WECHATPAY_SIM_MERCHANT_CERT_SERIAL: wechatpay.merchantCertSerial,
            WECHATPAY_SIM_PRIVATE_KEY: wechatpay.platformPrivateKey,
            WECHATPAY_SIM_PUBLIC_KEY_ID: wechatpay.publicKeyId,
            WECHATPAY_SIM_PORT: String(port),
          },
        },
      };
    }
    case 'unionpay': {
      const { unionpay } = secrets;
      return {
        serviceEnv: {
          UNIONPAY_MER_ID: unionpay.merId,
          UNIONPAY_SIGN_PRIVATE_KEY: unionpay.merchantPrivateKey,
          UNIONPAY_SIGN_CERT_ID: unionpay.merchantCertId,
          UNIONPAY_ROOT_CERT: unionpay.rootCert,
          UNIONPAY_MIDDLE_CERT: unionpay.middleCert,
          UNIONPAY_GATEWAY_URL: base,
        },
        simulator: {
          entry: 'dist/libs/provider-simulators/src/unionpay/unionpay-simulator.main.js',
          readyPath: '/_simulator/unionpay/trades',
          env: {
            UNIONPAY_MER_ID: unionpay.merId,
            UNIONPAY_SIM_MERCHANT_CERT: unionpay.merchantCert,
            UNIONPAY_SIM_SIGN_KEY: unionpay.signPrivateKey,
            UNIONPAY_SIM_SIGN_CERT: unionpay.signCert,
            UNIONPAY_SIM_MIDDLE_CERT: unionpay.middleCert,
            UNIONPAY_SIM_PORT: String(port),
          },
        },
      };
    }
    case 'stripe': {
      const { stripe } = secrets;
      return {
        serviceEnv: {
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
          STRIPE_API_BASE_URL: base,
        },
        simulator: {
          entry: 'dist/libs/provider-simulators/src/stripe/stripe-simulator.main.js',
          readyPath: '/_simulator/stripe/sessions',
          env: {
            STRIPE_SECRET_KEY: stripe.secretKey,
            STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
            // Stripe knows the endpoint from its dashboard, not from the request: it is configured here.
            STRIPE_SIM_WEBHOOK_URL: `${callbackBaseUrl}/callbacks/stripe`,
            STRIPE_SIM_PORT: String(port),
          },
        },
      };
    }
    default:
      throw new Error(`unknown provider ${name}`);
  }
}

/** An address fit for the console: origin and path only, never credentials or a query. */
function shownUrl(text, variable) {
  if (text === undefined || text === '') return `(${variable} unset)`;
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** How a provider configured in the environment will run: which service enables it, against what. */
function configuredProvider(name, env) {
  switch (name) {
    case 'alipay':
      return isSet(env, 'ALIPAY_APP_ID')
        ? { enabled: true, detail: `gateway ${shownUrl(env.ALIPAY_GATEWAY_URL, 'ALIPAY_GATEWAY_URL')}` }
        : { enabled: false, detail: 'ALIPAY_GATEWAY_URL is set but ALIPAY_APP_ID is not' };
    case 'wechatpay':
      return isSet(env, 'WECHATPAY_APP_ID')
        ? { enabled: true, detail: `API ${shownUrl(env.WECHATPAY_BASE_URL, 'WECHATPAY_BASE_URL')}` }
        : { enabled: false, detail: 'WECHATPAY_BASE_URL is set but WECHATPAY_APP_ID is not' };
    case 'unionpay':
      return isSet(env, 'UNIONPAY_MER_ID')
        ? { enabled: true, detail: `gateway ${shownUrl(env.UNIONPAY_GATEWAY_URL, 'UNIONPAY_GATEWAY_URL')}` }
        : { enabled: false, detail: 'UNIONPAY_GATEWAY_URL is set but UNIONPAY_MER_ID is not' };
    case 'stripe': {
      const payments = isSet(env, 'STRIPE_SECRET_KEY');
      const webhooks = isSet(env, 'STRIPE_WEBHOOK_SECRET');
      if (!payments && !webhooks) {
        return { enabled: false, detail: 'STRIPE_API_BASE_URL is set but STRIPE_SECRET_KEY is not' };
      }
      const api = shownUrl(env.STRIPE_API_BASE_URL || 'https://api.stripe.com', 'STRIPE_API_BASE_URL');
      const parts = [
        payments ? `payments via API ${api}` : 'no payments (STRIPE_SECRET_KEY unset)',
        webhooks ? 'webhooks verified' : 'no webhooks (STRIPE_WEBHOOK_SECRET unset)',
      ];
      return { enabled: true, detail: parts.join(', ') };
    }
    default:
      throw new Error(`unknown provider ${name}`);
  }
}

/**
 * Fills in what the services need for a local run and lists the simulators to start, and how each provider
 * runs (`providers`: simulator, configured or disabled, with a line of detail that never holds a secret).
 * Variables the caller set always win: a provider configured in the environment is used as it is, with no
 * simulator.
 */
export function devEnvironment(env, secrets, ports) {
  const serviceEnv = {};
  const simulators = [];
  const providers = [];
  serviceEnv.JWT_SECRET = env.JWT_SECRET || secrets.jwtSecret;
  serviceEnv.INTERNAL_TOKEN = env.INTERNAL_TOKEN || secrets.internalToken;
  serviceEnv.CALLBACK_BASE_URL = env.CALLBACK_BASE_URL || `http://127.0.0.1:${ports.notificationIngest}`;
  const simulated = new Set(simulatedProviders(env).map((p) => p.name));
  for (const provider of PROVIDERS) {
    if (!simulated.has(provider.name)) {
      providers.push({ name: provider.name, mode: 'configured', ...configuredProvider(provider.name, env) });
      continue;
    }
    const port = simulatorPort(env, provider);
    const url = `http://127.0.0.1:${port}`;
    const plan = simulatedProvider(provider.name, secrets, port, serviceEnv.CALLBACK_BASE_URL);
    Object.assign(serviceEnv, plan.serviceEnv);
    simulators.push({ name: `${provider.name}-simulator`, provider: provider.name, port, url, ...plan.simulator });
    providers.push({ name: provider.name, mode: 'simulator', enabled: true, detail: `simulator at ${url}` });
  }
  // The console's "simulate payment" button pays at these (the api-gateway refuses the variable in production).
  serviceEnv.CONSOLE_SIMULATOR_URLS = simulators.map((s) => `${s.provider}=${s.url}`).join(',');
  return { serviceEnv, simulators, providers };
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
