// Schema validation and policy checks for the kustomize base in k8s/base (the overlays: kustomize.spec.ts).
//
// kubernetes-models is ESM-only ("exports" has just an "import" condition), which the CommonJS output of
// ts-jest cannot require(). It is therefore loaded with a real dynamic import(), hidden from the TypeScript
// transform (which would rewrite import() to require()); Jest serves it through its ESM loader, which needs
// NODE_OPTIONS=--experimental-vm-modules.
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, read field by field */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { PROVIDER_ENV, SIGNING_ONLY, isProviderCredential } from './provider-variables';

const root = path.resolve(__dirname, '../..');
const k8sDir = path.join(root, 'k8s', 'base');

// kubernetes-models is ESM-only and ts-jest compiles import() to require(); a real import() must stay untouched.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const esmImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

type Obj = Record<string, any>;
interface Doc {
  file: string;
  obj: Obj;
}
type ModelClass = new (data: Obj) => { validate(): void };

const SERVICES: Record<string, number> = {
  'api-gateway': 3000,
  'notification-ingest': 3001,
  'order-service': 3002,
  'payment-gateway': 3003,
  'ledger-service': 3004,
};
const EXAMPLE_FILES = ['secret.example.yaml'];

const yamlFiles = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();
const manifestFiles = yamlFiles.filter((f) => f !== 'kustomization.yaml');

const docs: Doc[] = manifestFiles
  .flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return { file, obj: doc.toJS() as Obj };
    }),
  )
  .filter((d) => d.obj !== null && d.obj !== undefined);

const kustomization = parse(readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as Obj;

const find = (kind: string, name: string): Obj | undefined =>
  docs.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name)?.obj;

let models: Record<string, ModelClass>;

beforeAll(async () => {
  let core: any;
  let apps: any;
  let networking: any;
  let policy: any;
  let autoscaling: any;
  let batch: any;
  try {
    core = await esmImport('kubernetes-models/v1');
    apps = await esmImport('kubernetes-models/apps/v1');
    networking = await esmImport('kubernetes-models/networking.k8s.io/v1');
    policy = await esmImport('kubernetes-models/policy/v1');
    autoscaling = await esmImport('kubernetes-models/autoscaling/v2');
    batch = await esmImport('kubernetes-models/batch/v1');
  } catch (error) {
    throw new Error(
      `cannot load kubernetes-models (ESM): run Jest with NODE_OPTIONS=--experimental-vm-modules (${String(error)})`,
      { cause: error },
    );
  }
  models = {
    'v1/Namespace': core.Namespace,
    'v1/ConfigMap': core.ConfigMap,
    'v1/Secret': core.Secret,
    'v1/Service': core.Service,
    'apps/v1/Deployment': apps.Deployment,
    'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
    'networking.k8s.io/v1/Ingress': networking.Ingress,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
    'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
    'batch/v1/CronJob': batch.CronJob,
    'batch/v1/Job': batch.Job,
    'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  };
});

describe('k8s manifests', () => {
  it('found the manifests', () => {
    expect(manifestFiles).toEqual(
      expect.arrayContaining([
        'namespace.yaml',
        'configmap.yaml',
        'secret.example.yaml',
        ...Object.keys(SERVICES).map((s) => `${s}.yaml`),
      ]),
    );
  });

  it('the validator rejects an invalid object (sanity check of the test itself)', () => {
    const Deployment = models['apps/v1/Deployment'];
    const bad = {
      metadata: { name: 'x' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'x', ports: [{ containerPort: 'http' }] }] } } },
    };
    expect(() => new Deployment(bad).validate()).toThrow();
  });

  // Custom resources (Strimzi, Prometheus Operator) have no built-in schema here: kustomize.spec.ts checks them.
  const CRD_GROUPS = /^(kafka\.strimzi\.io|monitoring\.coreos\.com)\//;
  it.each(
    docs
      .filter((d) => !CRD_GROUPS.test(d.obj.apiVersion))
      .map((d) => [`${d.file}: ${d.obj.kind}/${d.obj.metadata?.name}`, d] as const),
  )('%s is a valid Kubernetes object', (_label, { obj }) => {
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    expect({ kind: `${obj.apiVersion}/${obj.kind}`, known: Model !== undefined }).toEqual({
      kind: `${obj.apiVersion}/${obj.kind}`,
      known: true,
    });
    expect(() => new Model(obj).validate()).not.toThrow();
  });

  it('leaves namespaces to kustomize', () => {
    for (const { file, obj } of docs.filter((d) => d.obj.kind !== 'Namespace')) {
      expect({ file, namespace: obj.metadata?.namespace }).toEqual({ file, namespace: undefined });
    }
  });

  it('secret.example.yaml holds only placeholders', () => {
    const secrets = docs.filter((d) => d.file === 'secret.example.yaml');
    expect(secrets.length).toBeGreaterThan(0);
    const keys: string[] = [];
    for (const { obj } of secrets) {
      expect(obj.kind).toBe('Secret');
      // data would be base64, where a real value is easy to miss in review.
      expect(obj.data).toBeUndefined();
      for (const [key, value] of Object.entries<string>(obj.stringData ?? {})) {
        keys.push(key);
        expect({ key, value }).toEqual({ key, value: '<change-me>' });
      }
    }
    expect(keys).toEqual(expect.arrayContaining(['DB_PASSWORD', 'JWT_SECRET', 'INTERNAL_TOKEN']));
  });
});

describe.each(Object.entries(SERVICES))('%s', (name, port) => {
  const file = `${name}.yaml`;
  const inFile = docs.filter((d) => d.file === file).map((d) => d.obj);
  const deployment = find('Deployment', name) as Obj;
  const podSpec = deployment?.spec?.template?.spec ?? {};
  const container: Obj = (podSpec.containers ?? []).find((c: Obj) => c.name === name) ?? podSpec.containers?.[0] ?? {};
  const envValue = (key: string) => (container.env ?? []).find((e: Obj) => e.name === key)?.value;

  /** A probe/Service port resolves (by name or number) to the container port. */
  const resolvePort = (p: string | number): number | undefined =>
    typeof p === 'number' ? p : (container.ports ?? []).find((cp: Obj) => cp.name === p)?.containerPort;

  it(`has its Deployment and Service in ${file}`, () => {
    expect(inFile.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      `Deployment/${name}`,
      `Service/${name}`,
    ]);
  });

  it('runs the shared image with APP and PORT set', () => {
    expect(podSpec.containers).toHaveLength(1);
    expect(container.image).toMatch(/^shop-payments(:[\w.-]+)?$/);
    expect(envValue('APP')).toBe(name);
    expect(envValue('PORT')).toBe(String(port));
    // The public port, and the management port (MANAGEMENT_PORT in the ConfigMap) for health and metrics.
    expect(container.ports?.map((p: Obj) => p.containerPort)).toEqual([port, 9090]);
  });

  it.each([
    ['livenessProbe', '/health/live'],
    ['readinessProbe', '/health/ready'],
    ['startupProbe', '/health/live'],
  ])('%s GETs %s on the management port', (probe, probePath) => {
    const httpGet = container[probe]?.httpGet;
    expect(httpGet?.path).toBe(probePath);
    expect(resolvePort(httpGet?.port)).toBe(9090);
  });

  it('gives the startup probe longer than liveness alone would', () => {
    const s = container.startupProbe;
    const l = container.livenessProbe;
    expect(s.periodSeconds * s.failureThreshold).toBeGreaterThan(l.periodSeconds * l.failureThreshold);
  });

  it('runs as non-root, without privilege escalation, on a read-only root filesystem', () => {
    const sc = container.securityContext ?? {};
    expect(sc.runAsNonRoot ?? podSpec.securityContext?.runAsNonRoot).toBe(true);
    const uid = sc.runAsUser ?? podSpec.securityContext?.runAsUser;
    // USER node in the Dockerfile is a name; runAsNonRoot can only be verified with a numeric uid.
    expect(uid).toBeGreaterThan(0);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.capabilities?.drop).toContain('ALL');
    // Read-only root: /tmp must be a volume.
    expect(container.volumeMounts?.map((m: Obj) => m.mountPath)).toContain('/tmp');
  });

  it('allows more time than SHUTDOWN_TIMEOUT_MS (plus preStop) to stop', () => {
    const config = find('ConfigMap', 'shop-payments-config');
    const shutdownMs = Number(envValue('SHUTDOWN_TIMEOUT_MS') ?? config?.data?.SHUTDOWN_TIMEOUT_MS ?? 10000);
    const preStopSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs + preStopSeconds * 1000);
  });

  it('sets resource requests and limits', () => {
    for (const kind of ['requests', 'limits']) {
      expect(container.resources?.[kind]?.cpu).toBeDefined();
      expect(container.resources?.[kind]?.memory).toBeDefined();
    }
  });

  it('is annotated for Prometheus scraping of /metrics on its management port', () => {
    const a = deployment.spec.template.metadata?.annotations ?? {};
    expect(a['prometheus.io/scrape']).toBe('true');
    expect(a['prometheus.io/port']).toBe('9090');
    expect(a['prometheus.io/path']).toBe('/metrics');
  });

  it('reads the ConfigMap and a Secret that the manifests define', () => {
    const refs = container.envFrom ?? [];
    const configMaps = refs.filter((r: Obj) => r.configMapRef).map((r: Obj) => r.configMapRef.name);
    const secrets = refs.filter((r: Obj) => r.secretRef).map((r: Obj) => r.secretRef.name);
    expect(configMaps).toEqual(['shop-payments-config']);
    expect(find('ConfigMap', 'shop-payments-config')).toBeDefined();
    expect(secrets).toContain('shop-payments-db');
    // Every service presents and checks the service token on /internal routes (required in production).
    expect(secrets).toContain('shop-payments-internal');
    for (const secret of secrets)
      expect({ secret, documented: find('Secret', secret) !== undefined }).toEqual({ secret, documented: true });
    if (name === 'api-gateway') expect(secrets).toContain('shop-payments-api-gateway');
  });

  it('has a Service that selects its pods and serves its port', () => {
    const service = find('Service', name) as Obj;
    const podLabels = deployment.spec.template.metadata.labels;
    expect(Object.keys(service.spec.selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
    // The Deployment selector must match its own pod labels too.
    for (const [k, v] of Object.entries<string>(deployment.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0].port).toBe(port);
    expect(resolvePort(service.spec.ports[0].targetPort)).toBe(port);
  });
});

describe('payment provider configuration', () => {
  /** Where each variable a service's container can read comes from: its env, the ConfigMap, or a Secret. */
  function sources(name: string): Map<string, string> {
    const deployment = find('Deployment', name) as Obj;
    const container: Obj = deployment.spec.template.spec.containers[0];
    const found = new Map<string, string>();
    for (const e of container.env ?? []) found.set(e.name, 'env');
    for (const ref of container.envFrom ?? []) {
      const [kind, refName] = ref.configMapRef ? ['ConfigMap', ref.configMapRef.name] : ['Secret', ref.secretRef.name];
      const obj = find(kind, refName) ?? {};
      for (const key of Object.keys(obj.data ?? obj.stringData ?? {})) found.set(key, `${kind}/${refName}`);
    }
    return found;
  }

  it.each(Object.entries(PROVIDER_ENV))('%s can read every provider variable it needs', (name, keys) => {
    const available = sources(name);
    expect(keys.filter((key) => !available.has(key))).toEqual([]);
  });

  it('keeps keys and ids in Secrets, never in the ConfigMap', () => {
    const config = find('ConfigMap', 'shop-payments-config')?.data ?? {};
    expect(Object.keys(config).filter(isProviderCredential)).toEqual([]);
    for (const name of Object.keys(PROVIDER_ENV)) {
      const available = sources(name);
      for (const key of [...available.keys()].filter(isProviderCredential)) {
        expect({ key, from: available.get(key) }).toEqual({ key, from: expect.stringMatching(/^Secret\//) });
      }
    }
  });

  it('keeps signing keys and the Stripe API key out of notification-ingest, the webhook secret out of the gateway', () => {
    const ingest = sources('notification-ingest');
    expect(SIGNING_ONLY.filter((key) => ingest.has(key))).toEqual([]);
    expect(sources('payment-gateway').has('STRIPE_WEBHOOK_SECRET')).toBe(false);
  });

  it('requires the provider Secrets (a missing one must not silently disable payments)', () => {
    for (const name of Object.keys(PROVIDER_ENV)) {
      const refs = (find('Deployment', name) as Obj).spec.template.spec.containers[0].envFrom ?? [];
      for (const ref of refs.filter((r: Obj) => r.secretRef)) {
        expect({ name, secret: ref.secretRef.name, optional: ref.secretRef.optional ?? false }).toEqual({
          name,
          secret: ref.secretRef.name,
          optional: false,
        });
      }
    }
  });
});

describe('configmap.yaml', () => {
  const data: Record<string, string> = find('ConfigMap', 'shop-payments-config')?.data ?? {};

  it('holds the shared non-secret configuration', () => {
    for (const key of ['NODE_ENV', 'DB_HOST', 'DB_PORT', 'KAFKA_BROKERS', 'SHUTDOWN_TIMEOUT_MS', 'CALLBACK_BASE_URL']) {
      expect({ key, present: key in data }).toEqual({ key, present: true });
    }
    expect(data.NODE_ENV).toBe('production');
  });

  it('points the gateway at the in-cluster Services', () => {
    expect(data.ORDER_SERVICE_URL).toBe('http://order-service:3002');
    expect(data.PAYMENT_GATEWAY_URL).toBe('http://payment-gateway:3003');
    expect(data.LEDGER_SERVICE_URL).toBe('http://ledger-service:3004');
    expect(data.NOTIFICATION_INGEST_URL).toBe('http://notification-ingest:3001');
  });

  it('contains no secrets', () => {
    expect(Object.keys(data).filter((k) => /PASSWORD|SECRET|PRIVATE_KEY|TOKEN/.test(k))).toEqual([]);
  });
});

describe('kustomization.yaml', () => {
  const resources: string[] = kustomization.resources ?? [];

  it('is a Kustomization for the namespace the manifests define', () => {
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    const namespaces = docs.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name);
    expect(namespaces).toEqual([kustomization.namespace]);
  });

  it('lists every manifest except the secret example', () => {
    expect([...resources].sort()).toEqual(manifestFiles.filter((f) => !EXAMPLE_FILES.includes(f)).sort());
  });

  it('does not apply the placeholder secrets', () => {
    for (const example of EXAMPLE_FILES) expect(resources).not.toContain(example);
  });

  it('sets the tag of the shared image', () => {
    const image = (kustomization.images ?? []).find((i: Obj) => i.name === 'shop-payments');
    expect(image?.newTag ?? image?.digest).toBeDefined();
  });
});
