// The overlays as a cluster would receive them: `kubectl kustomize k8s/overlays/<env>` rendered here, every object
// validated (built-in kinds against the Kubernetes schemas, custom resources by their required fields), and the
// operating rules checked on the rendered output. The alert rules pass `promtool check rules` and their unit tests.
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, read field by field */
import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { allTopics } from '@shop/contracts';
import { ensureTool } from '../../libs/testing/src/tools';

const root = path.resolve(__dirname, '../..');
type Obj = Record<string, any>;
type ModelClass = new (data: Obj) => { validate(): void };

// kubernetes-models is ESM-only; see k8s.spec.ts for why the import is hidden from the TypeScript transform.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const esmImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

const SERVICES = ['api-gateway', 'notification-ingest', 'order-service', 'payment-gateway', 'ledger-service'];

function render(overlay: string): Obj[] {
  ensureTool('kubectl', 'kubernetes-client', ['version', '--client']);
  const out = execFileSync('kubectl', ['kustomize', path.join(root, 'k8s', 'overlays', overlay)], {
    encoding: 'utf8',
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

let models: Record<string, ModelClass>;

beforeAll(async () => {
  const core = await esmImport('kubernetes-models/v1');
  const apps = await esmImport('kubernetes-models/apps/v1');
  const networking = await esmImport('kubernetes-models/networking.k8s.io/v1');
  const policy = await esmImport('kubernetes-models/policy/v1');
  const autoscaling = await esmImport('kubernetes-models/autoscaling/v2');
  const batch = await esmImport('kubernetes-models/batch/v1');
  models = {
    'v1/Namespace': core.Namespace,
    'v1/ConfigMap': core.ConfigMap,
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

/** Required fields of the custom resources, as their CRDs define them. */
const CUSTOM_RESOURCES: Record<string, (o: Obj) => void> = {
  'kafka.strimzi.io/v1beta2/KafkaTopic': (o) => {
    expect(o.metadata.labels?.['strimzi.io/cluster']).toEqual(expect.any(String));
    expect(o.spec.partitions).toBeGreaterThan(0);
    expect(o.spec.replicas).toBeGreaterThan(0);
    expect(Number(o.spec.config['retention.ms'])).toBeGreaterThan(0);
    expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  },
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => {
    expect(o.spec.selector.matchLabels).toBeDefined();
    expect(o.spec.endpoints.length).toBeGreaterThan(0);
  },
  'monitoring.coreos.com/v1/PrometheusRule': (o) => {
    for (const group of o.spec.groups) {
      expect(group.name).toEqual(expect.any(String));
      for (const rule of group.rules) expect(rule.alert ?? rule.record).toEqual(expect.any(String));
    }
  },
};

describe.each(['dev', 'prod'])('k8s/overlays/%s', (overlay) => {
  const objects = render(overlay);
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const one = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as Obj;
  const config = one('ConfigMap', 'shop-payments-config').data as Record<string, string>;

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))('%s validates', (_label, o) => {
    const key = `${o.apiVersion}/${o.kind}`;
    const Model = models[key];
    const custom = CUSTOM_RESOURCES[key];
    expect({ key, known: Model !== undefined || custom !== undefined }).toEqual({ key, known: true });
    if (Model) expect(() => new Model(o).validate()).not.toThrow();
    else custom(o);
    if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('shop-payments');
  });

  it('denies all traffic by default and allows DNS', () => {
    const deny = all('NetworkPolicy').find(
      (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress,
    );
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(JSON.stringify(one('NetworkPolicy', 'allow-dns'))).toContain('kube-dns');
  });

  it('lets the ingress controller reach only the public services, and only the api-gateway reach internal routes', () => {
    const fromIngress = one('NetworkPolicy', 'allow-ingress-controller');
    expect(fromIngress.spec.podSelector.matchExpressions[0].values.sort()).toEqual([
      'api-gateway',
      'notification-ingest',
    ]);
    const internal = one('NetworkPolicy', 'allow-internal-from-api-gateway');
    expect(internal.spec.ingress).toHaveLength(1);
    expect(internal.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway' } } },
    ]);
    const providers = one('NetworkPolicy', 'allow-payment-gateway-to-providers');
    expect(providers.spec.podSelector.matchLabels['app.kubernetes.io/name']).toBe('payment-gateway');
  });

  it.each(SERVICES)('%s: PDB, HPA, spread over zones and nodes, probes and metrics on the management port', (name) => {
    const deployment = one('Deployment', name);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(one('PodDisruptionBudget', name).spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
    expect(one('HorizontalPodAutoscaler', name).spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name });
    expect(pod.topologySpreadConstraints.map((c: Obj) => c.topologyKey).sort()).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(container[probe].httpGet.port).toBe('management');
    }
    expect(container.ports.find((p: Obj) => p.name === 'management').containerPort).toBe(
      Number(config.MANAGEMENT_PORT),
    );
    // The public Service has no management port; a separate Service carries it for the ServiceMonitor.
    expect(one('Service', name).spec.ports.map((p: Obj) => p.name)).toEqual(['http']);
    expect(one('Service', `${name}-management`).spec.ports).toEqual([
      expect.objectContaining({ name: 'management', port: 9090, targetPort: 'management' }),
    ]);
  });

  it('routes only public path prefixes, over TLS with cert-manager, and never health, metrics or internal routes', () => {
    const ingresses = all('Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual(['api', 'callbacks']);
    for (const ingress of ingresses) {
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toEqual(expect.any(String));
      expect(ingress.spec.tls[0].hosts).toEqual([ingress.spec.rules[0].host]);
      for (const p of ingress.spec.rules[0].http.paths) {
        expect(p.path).not.toMatch(/^\/($|health|metrics|internal)/);
        expect(p.backend.service.port).toEqual({ name: 'http' });
      }
    }
    // The API host serves the API, its reference and the console (the console's pages and its own routes).
    expect(one('Ingress', 'api').spec.rules[0].http.paths.map((p: Obj) => [p.path, p.backend.service.name])).toEqual([
      ['/api/v1/', 'api-gateway'],
      ['/docs', 'api-gateway'],
      ['/console', 'api-gateway'],
    ]);
    const callbacks = one('Ingress', 'callbacks').spec.rules[0];
    expect(callbacks.host).not.toBe(one('Ingress', 'api').spec.rules[0].host);
    expect(callbacks.http.paths.map((p: Obj) => [p.path, p.backend.service.name])).toEqual([
      ['/callbacks/', 'notification-ingest'],
    ]);
  });

  it('backs up every night and archives the payment log every week, from the ops image', () => {
    const commands = all('CronJob').map((c) => {
      const container = c.spec.jobTemplate.spec.template.spec.containers[0];
      expect(container.image).toMatch(/^shop-payments-ops:/);
      return container.command.join(' ');
    });
    expect(commands).toEqual([
      expect.stringContaining('npm run backup -- --out'),
      expect.stringContaining('npm run archive -- --until'),
    ]);
    const archive = one('CronJob', 'payment-log-archive').spec.jobTemplate.spec.template.spec.containers[0];
    expect(archive.envFrom).toContainEqual({ secretRef: { name: 'shop-payments-archive' } });
  });

  it('migrates with the owner role in a Job, while the services run without migrating', () => {
    const job = one('Job', 'migrate').spec.template.spec.containers[0];
    expect(job.envFrom).toContainEqual({ secretRef: { name: 'shop-payments-db-migrator' } });
    expect(job.env).toContainEqual({ name: 'DB_MIGRATIONS', value: 'run' });
    expect(job.command.join(' ')).toContain('main.cjs migrate');
    expect(config).toMatchObject({ DB_MIGRATIONS: 'skip', DB_APP_ROLE: expect.stringMatching(/^[a-z_]+$/) });
    for (const name of SERVICES) {
      const refs = one('Deployment', name).spec.template.spec.containers[0].envFrom;
      expect(refs).toContainEqual({ secretRef: { name: 'shop-payments-db' } });
      expect(refs).not.toContainEqual({ secretRef: { name: 'shop-payments-db-migrator' } });
    }
  });

  it('has a KafkaTopic for every topic and dead-letter topic the services use', () => {
    const declared = all('KafkaTopic')
      .map((t) => t.spec.topicName)
      .sort();
    expect(declared).toEqual([...allTopics()].sort());
  });

  it('scrapes the management Services and carries the alert rules of monitoring/alerts.rules.yaml', () => {
    const monitor = all('ServiceMonitor')[0];
    expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'management' });
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'management', path: '/metrics' });
    const rules = parse(readFileSync(path.join(root, 'k8s/base/monitoring/alerts.rules.yaml'), 'utf8')) as Obj;
    expect(all('PrometheusRule')[0].spec.groups).toEqual(rules.groups);
  });
});

describe('k8s/overlays/prod specifics', () => {
  const objects = render('prod');
  const config = (objects.find((o) => o.kind === 'ConfigMap') as Obj).data as Record<string, string>;

  it('reaches Kafka over TLS with SCRAM, credentials and CA from Secrets', () => {
    expect(config).toMatchObject({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SSL_CA: '/etc/kafka-ca/ca.crt',
    });
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const container = d.spec.template.spec.containers[0];
      expect(container.envFrom).toContainEqual({ secretRef: { name: 'shop-payments-kafka' } });
      expect(container.volumeMounts).toContainEqual(
        expect.objectContaining({ name: 'kafka-ca', mountPath: '/etc/kafka-ca' }),
      );
    }
  });

  it('trusts X-Forwarded-For from the ingress range only (TRUSTED_PROXIES), so per-source limits see providers', () => {
    expect(config.TRUSTED_PROXIES).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+(,\d+\.\d+\.\d+\.\d+\/\d+)*$/);
  });

  it('runs three replicas of each service and replicates topics three times', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment')) expect(d.spec.replicas).toBe(3);
    for (const t of objects.filter((o) => o.kind === 'KafkaTopic')) {
      expect(t.spec).toMatchObject({ replicas: 3, config: { 'min.insync.replicas': 2 } });
    }
  });
});

describe('alert rules', () => {
  const dir = path.join(root, 'k8s/base/monitoring');

  beforeAll(() => ensureTool('promtool', 'prometheus'));

  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', 'alerts.rules.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it('pass their promtool unit tests, which cover every alert firing and staying quiet', () => {
    const result = spawnSync('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
    const rules = parse(readFileSync(path.join(dir, 'alerts.rules.yaml'), 'utf8')) as Obj;
    const tests = parse(readFileSync(path.join(dir, 'alerts.test.yaml'), 'utf8')) as Obj;
    const alerts = rules.groups.flatMap((g: Obj) => g.rules.map((r: Obj) => r.alert));
    const fired = new Set<string>();
    const quiet = new Set<string>();
    for (const t of tests.tests)
      for (const a of t.alert_rule_test) (a.exp_alerts.length > 0 ? fired : quiet).add(a.alertname);
    expect(alerts.filter((a: string) => !fired.has(a))).toEqual([]);
    expect(alerts.filter((a: string) => !quiet.has(a))).toEqual([]);
  });
});
