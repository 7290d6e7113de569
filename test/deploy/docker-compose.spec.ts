// Static checks of the container artifacts: docker-compose.yml, Dockerfile and .dockerignore.
// No Docker daemon needed; these catch the mistakes that otherwise only show up at `docker compose up`.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { PROVIDER_ENV, SIGNING_ONLY, isProviderSecret, isProviderVariable } from './provider-variables';

const root = path.resolve(__dirname, '../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

type Env = Record<string, string | number | boolean | null>;
interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  environment?: Env | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const SERVICES: Record<string, number> = {
  'api-gateway': 3000,
  'notification-ingest': 3001,
  'order-service': 3002,
  'payment-gateway': 3003,
  'ledger-service': 3004,
};

const REQUIRED_ENV: Record<string, string[]> = {
  'api-gateway': [
    'JWT_SECRET',
    'ORDER_SERVICE_URL',
    'PAYMENT_GATEWAY_URL',
    'LEDGER_SERVICE_URL',
    'NOTIFICATION_INGEST_URL',
  ],
  'notification-ingest': ['CALLBACK_BASE_URL'],
  'order-service': [],
  'payment-gateway': ['CALLBACK_BASE_URL'],
  'ledger-service': [],
};
const COMMON_ENV = ['KAFKA_BROKERS', 'DB_HOST', 'DB_PASSWORD', 'INTERNAL_TOKEN'];
// Secrets must come from the environment with ${VAR:?...}, so compose refuses to start without them.
const SECRETS = ['DB_PASSWORD', 'JWT_SECRET', 'INTERNAL_TOKEN'];

// Compose supports YAML merge keys (<<); the yaml package only resolves them when asked.
const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;

function envOf(service: ComposeService): Env {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(
    env.map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, null] : [entry.slice(0, i), entry.slice(i + 1)];
    }),
  );
}

function buildArgs(service: ComposeService): Record<string, string> {
  const args = typeof service.build === 'object' ? service.build.args : undefined;
  if (!args) return {};
  if (!Array.isArray(args)) return args;
  return Object.fromEntries(args.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
}

/** Container ports published to the host, from short ("[ip:]host:container[/proto]") or long syntax. */
function publishedContainerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).flatMap((p) => {
    if (typeof p === 'object') return p.published === undefined ? [] : [Number(p.target)];
    const spec = String(p).replace(/\/(tcp|udp)$/, '');
    // Strip ${...} interpolations before splitting on ':' (they may contain ':-').
    const parts = spec.replace(/\$\{[^}]*\}/g, 'X').split(':');
    return parts.length >= 2 ? [Number(parts[parts.length - 1])] : [];
  });
}

function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const d = service.depends_on ?? {};
  return Array.isArray(d)
    ? Object.fromEntries(d.map((name) => [name, undefined]))
    : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v?.condition]));
}

function healthcheckText(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

describe('docker-compose.yml', () => {
  it('defines exactly the five services plus kafka and postgres', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...Object.keys(SERVICES), 'kafka', 'postgres'].sort());
  });

  describe.each(Object.entries(SERVICES))('%s', (name, port) => {
    const service = compose.services[name];

    it('is built from the Dockerfile with its APP build arg', () => {
      expect(typeof service.build).toBe('object');
      const build = service.build as { context?: string; dockerfile?: string };
      expect(path.resolve(root, build.context ?? '.')).toBe(root);
      expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(buildArgs(service).APP).toBe(name);
    });

    it(`listens on and publishes port ${port}`, () => {
      expect(publishedContainerPorts(service)).toContain(port);
      const env = envOf(service);
      // If PORT is set it must match, otherwise the published port and the healthcheck miss the server.
      if (env.PORT !== undefined) expect(String(env.PORT)).toBe(String(port));
    });

    it('waits for healthy kafka and postgres', () => {
      const deps = dependsOn(service);
      expect(deps.kafka).toBe('service_healthy');
      expect(deps.postgres).toBe('service_healthy');
    });

    it('has every required environment variable', () => {
      const env = envOf(service);
      for (const key of [...COMMON_ENV, ...REQUIRED_ENV[name]]) {
        expect({ key, value: env[key] }).toEqual({ key, value: expect.anything() });
        expect({ key, value: String(env[key]) }).not.toEqual({ key, value: '' });
      }
      expect(env.KAFKA_BROKERS).toBe('kafka:9092');
      expect(env.DB_HOST).toBe('postgres');
    });

    it('takes secrets from ${VAR:?} interpolation, never literal values', () => {
      const env = envOf(service);
      for (const key of SECRETS.filter((k) => k in env)) {
        expect({ key, value: env[key] }).toEqual({
          key,
          value: expect.stringMatching(new RegExp(`^\\$\\{${key}:\\?`)),
        });
      }
    });

    it('checks readiness and restarts unless stopped', () => {
      expect(service.healthcheck?.disable).not.toBe(true);
      expect(healthcheckText(service)).toContain('/health/ready');
      // The slim runtime image has no curl or wget.
      expect(healthcheckText(service)).not.toMatch(/\b(curl|wget)\b/);
      expect(service.restart).toBe('unless-stopped');
    });
  });

  it('points the gateway at the other services by service name and makes it wait for them', () => {
    const env = envOf(compose.services['api-gateway']);
    expect(env.ORDER_SERVICE_URL).toBe('http://order-service:3002');
    expect(env.PAYMENT_GATEWAY_URL).toBe('http://payment-gateway:3003');
    expect(env.LEDGER_SERVICE_URL).toBe('http://ledger-service:3004');
    expect(env.NOTIFICATION_INGEST_URL).toBe('http://notification-ingest:3001');
    const deps = dependsOn(compose.services['api-gateway']);
    for (const upstream of ['order-service', 'payment-gateway', 'ledger-service', 'notification-ingest']) {
      expect({ upstream, condition: deps[upstream] }).toEqual({ upstream, condition: 'service_healthy' });
    }
  });

  describe('payment providers', () => {
    it.each(Object.entries(PROVIDER_ENV))(
      '%s gets every provider variable it reads, from the environment or .env',
      (name, keys) => {
        const env = envOf(compose.services[name]);
        for (const key of keys) {
          // Optional (a provider is enabled by its id), so ${VAR:-default}; a secret never has a default.
          const pattern = isProviderSecret(key) ? `^\\$\\{${key}:-\\}$` : `^\\$\\{${key}:-[^}]*\\}$`;
          expect({ key, value: env[key] }).toEqual({ key, value: expect.stringMatching(new RegExp(pattern)) });
        }
      },
    );

    it('keeps signing keys and the Stripe API key out of notification-ingest, the webhook secret out of the gateway', () => {
      const ingest = envOf(compose.services['notification-ingest']);
      expect(SIGNING_ONLY.filter((key) => key in ingest)).toEqual([]);
      expect('STRIPE_WEBHOOK_SECRET' in envOf(compose.services['payment-gateway'])).toBe(false);
    });

    it('gives no provider variable to the services that do not talk to providers', () => {
      for (const name of ['api-gateway', 'order-service', 'ledger-service']) {
        expect({
          name,
          keys: Object.keys(envOf(compose.services[name])).filter(isProviderVariable),
        }).toEqual({
          name,
          keys: [],
        });
      }
    });
  });

  describe('kafka', () => {
    const kafka = compose.services.kafka;
    const env = envOf(kafka);

    it('uses the official apache/kafka 3.9 image', () => {
      expect(kafka.image).toMatch(/^apache\/kafka:3\.9(\.\d+)?$/);
    });

    it('runs a single KRaft node without ZooKeeper', () => {
      expect(String(env.KAFKA_PROCESS_ROLES).split(',').sort()).toEqual(['broker', 'controller']);
      expect(env.KAFKA_NODE_ID).toBeDefined();
      expect(String(env.KAFKA_CONTROLLER_QUORUM_VOTERS)).toBe(`${env.KAFKA_NODE_ID}@kafka:9093`);
      expect(env.KAFKA_CONTROLLER_LISTENER_NAMES).toBeDefined();
      expect(Object.keys(env).filter((k) => k.includes('ZOOKEEPER'))).toEqual([]);
    });

    it('advertises kafka:9092 to the services', () => {
      const advertised = String(env.KAFKA_ADVERTISED_LISTENERS).split(',');
      expect(advertised.some((l) => l.endsWith('://kafka:9092'))).toBe(true);
      const listeners = String(env.KAFKA_LISTENERS);
      expect(listeners).toMatch(/:\/\/[^,]*:9092(,|$)/);
      expect(publishedContainerPorts(kafka).length).toBeGreaterThan(0);
    });

    it('disables topic auto-creation and uses replication factor 1', () => {
      expect(String(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE)).toBe('false');
      expect(String(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR)).toBe('1');
      expect(String(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR)).toBe('1');
      expect(String(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR)).toBe('1');
    });

    it('has a broker healthcheck', () => {
      expect(healthcheckText(kafka)).toContain('/opt/kafka/bin/kafka-broker-api-versions.sh');
    });
  });

  describe('postgres', () => {
    const postgres = compose.services.postgres;

    it('uses postgres 15 or 16 with a pg_isready healthcheck', () => {
      expect(postgres.image).toMatch(/^postgres:1[56](\.\d+)?(-[a-z]+)?$/);
      expect(healthcheckText(postgres)).toContain('pg_isready');
    });

    it('keeps its data in a named volume', () => {
      const volumes = (postgres as { volumes?: string[] }).volumes ?? [];
      const data = volumes.find((v) => v.endsWith(':/var/lib/postgresql/data'));
      expect(data).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(data!.split(':')[0]);
    });

    it('gets its password from the same required variable as the services', () => {
      expect(envOf(postgres).POSTGRES_PASSWORD).toMatch(/^\$\{DB_PASSWORD:\?/);
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  // Instructions only: drop comments and join continuation lines.
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM\s/i.test(l));
  const lastFrom = lines.findLastIndex((l) => /^FROM\s/i.test(l));
  const runtime = lines.slice(lastFrom);
  const instr = (stage: string[], name: string) => stage.filter((l) => new RegExp(`^${name}\\s`, 'i').test(l));

  it('has several stages, all on Node 24, with a slim runtime', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms)
      expect(from).toMatch(/^FROM\s+(--platform=\S+\s+)?node:24[\w.-]*(@sha256:[0-9a-f]+)?(\s+AS\s+\w+)?$/i);
    expect(froms[0]).toMatch(/node:24(-bookworm)?\s/i);
    expect(froms[froms.length - 1]).toMatch(/node:24(\.[\d.]+)?-(bookworm-)?slim/i);
  });

  it('builds with npm ci and npm run build, and ships only production dependencies', () => {
    expect(dockerfile).toMatch(/npm ci(?! --omit)/);
    expect(dockerfile).toMatch(/npm run build/);
    // npm run build ends with the per-service bundles, which need their script in the build stage.
    expect(dockerfile).toMatch(/^COPY\s+scripts\/bundle\.mjs\s/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev|npm prune --omit=dev/);
    const copies = instr(runtime, 'COPY').join('\n');
    expect(copies).toMatch(/\/app\/dist\b/);
    expect(copies).toMatch(/node_modules/);
    expect(copies).toMatch(/package\.json/);
    // No sources in the runtime stage.
    expect(copies).not.toMatch(/\b(apps|libs)\b/);
  });

  it('runs as a non-root user in production mode', () => {
    const users = instr(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    expect(instr(runtime, 'ENV').join('\n')).toMatch(/NODE_ENV=production/);
  });

  it('selects the service with APP and execs node so SIGTERM reaches it', () => {
    expect(instr(runtime, 'ARG').join('\n')).toMatch(/ARG\s+APP\b/);
    expect(instr(runtime, 'ENV').join('\n')).toMatch(/APP=\$\{?APP\}?/);
    const cmd = instr(runtime, 'CMD').pop() ?? instr(runtime, 'ENTRYPOINT').pop();
    // The service's bundle (scripts/bundle.mjs), as npm start runs it.
    expect(cmd).toMatch(/dist\/apps\/\$\{?APP[^/]*\/main\.cjs/);
    // Shell form must exec, or /bin/sh stays PID 1 and swallows SIGTERM.
    if (cmd && !/^\w+\s+\[/.test(cmd)) expect(cmd).toMatch(/^CMD\s+exec\s+node\b/);
  });

  it('runs the services on jemalloc, installed in the image, with the settings npm start uses', () => {
    const runs = instr(runtime, 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends [^&]*\blibjemalloc2\b/);
    const env = instr(runtime, 'ENV').join('\n');
    const preload = /\bLD_PRELOAD=(\S+)/.exec(env)?.[1];
    expect(preload).toBeDefined();
    // The path the RUN links and checks (test -e), whatever the image's architecture.
    expect(runs).toContain(`ln -s "$(find /usr/lib -name libjemalloc.so.2 | head -n 1)" ${preload}`);
    expect(runs).toContain(`test -e ${preload}`);
    const conf = /\bMALLOC_CONF=(\S+)/.exec(env)?.[1];
    expect(conf).toBe(/JEMALLOC_CONF = '([^']+)'/.exec(read('scripts/lib/allocator.mjs'))?.[1]);
  });

  it('exposes the service ports and checks liveness with node', () => {
    const exposed = instr(runtime, 'EXPOSE').join(' ');
    for (const port of Object.values(SERVICES)) expect(exposed).toContain(String(port));
    const healthcheck = instr(runtime, 'HEALTHCHECK').join('\n');
    expect(healthcheck).toContain('/health/live');
    expect(healthcheck).toMatch(/"node"|\bnode\s/);
  });
});

describe('.dockerignore', () => {
  const entries = read('.dockerignore')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it.each(['node_modules', 'dist', '.cache', '.git', 'coverage', '*.log', '.env'])('excludes %s', (entry) => {
    expect(entries).toContain(entry);
  });
});
