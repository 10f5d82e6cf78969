// deploy/k8s as a cluster would take it, without a cluster: every manifest against the Kubernetes JSON schemas
// (kubernetes-models), then what the schemas cannot see, read from the manifests and the config modules rather
// than listed here: each process's config loads from the environment its Deployment gives it; ports, probes and
// Services agree with it; the NetworkPolicies admit exactly the callers its URLs imply; autoscalers and budgets
// target real Deployments; one image; commands that the build produces.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { loadFilesConfig } from '../../subgraphs/files/config.ts';
import { configLoaders, testSecret, type Env } from './process-configs.ts';

const root = path.resolve(import.meta.dirname, '../..');
const k8sDir = path.join(root, 'deploy/k8s');

/** The kinds deploy/k8s may hold, each with its model (validate(): the upstream JSON schema). */
const models = [
  ConfigMap,
  CronJob,
  Deployment,
  HorizontalPodAutoscaler,
  Job,
  NetworkPolicy,
  PersistentVolumeClaim,
  PodDisruptionBudget,
  Service,
];

/** Where Prometheus runs (README, Kubernetes): the peer every scraped port admits. */
const PROMETHEUS_PEER = 'monitoring/prometheus';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, checked field by field */
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  file: string;
}

function readYaml(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8'));
  for (const doc of docs) if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  return docs.map((doc) => doc.toJS()).filter((doc) => doc !== null);
}

interface Kustomization {
  dir: string;
  namespace: string;
  resources: string[];
  images: unknown[];
}

function readKustomization(dir: string): Kustomization {
  const [k] = readYaml(path.join(dir, 'kustomization.yaml'));
  return { dir, namespace: k.namespace, resources: k.resources, images: k.images };
}

const kustomizations = [readKustomization('.'), readKustomization('migrate')];
const manifests: Manifest[] = kustomizations.flatMap((k) =>
  k.resources.flatMap((resource) => {
    const file = path.join(k.dir, resource);
    return readYaml(file).map((doc) => ({ ...doc, file }));
  }),
);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const deployments = ofKind('Deployment');
const workloads = [...deployments, ...ofKind('Job'), ...ofKind('CronJob')];
const services = ofKind('Service');
const policies = ofKind('NetworkPolicy');

interface SecretKey {
  /** The value in the example: must be empty. */
  value: string;
  /** Preceded by a `# optional: ...` line: the processes start without it. */
  optional: boolean;
}

/** The Secrets are not in the repository: secrets/<name without nanopore->.env.example lists their keys. */
function secretExample(name: string): Map<string, SecretKey> {
  const file = path.join(k8sDir, 'secrets', `${name.replace(/^nanopore-/, '')}.env.example`);
  if (!existsSync(file)) throw new Error(`Secret ${name}: no ${path.relative(root, file)} lists its keys`);
  const keys = new Map<string, SecretKey>();
  let optional = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#')) optional = line.startsWith('# optional:');
    else if (line.includes('=')) {
      const eq = line.indexOf('=');
      keys.set(line.slice(0, eq), { value: line.slice(eq + 1), optional });
      optional = false;
    }
  }
  return keys;
}

const testSecrets = new Map<string, string>();
const secretValue = (key: string) => {
  if (!testSecrets.has(key)) testSecrets.set(key, testSecret(key));
  return testSecrets.get(key)!;
};

function configMap(name: string): Record<string, string> {
  const found = ofKind('ConfigMap').find((m) => m.metadata.name === name);
  if (!found) throw new Error(`ConfigMap ${name} is referenced but not defined`);
  return found.data ?? {};
}

interface SecretRef {
  secret: string;
  key: string;
  variable: string;
}

/** Every Secret key a container reads, through env (secretKeyRef) or envFrom (secretRef: all its keys). */
function secretRefs(container: any): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const from of container.envFrom ?? [])
    if (from.secretRef)
      for (const key of secretExample(from.secretRef.name).keys())
        refs.push({ secret: from.secretRef.name, key, variable: key });
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) refs.push({ secret: ref.name, key: ref.key, variable: e.name });
  }
  return refs;
}

/** The container's environment as Kubernetes builds it (envFrom, then env), secrets filled with test values. */
function containerEnv(container: any): Env {
  const env: Env = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, configMap(from.configMapRef.name));
  }
  for (const ref of secretRefs(container)) {
    if (!secretExample(ref.secret).has(ref.key))
      throw new Error(`Secret ${ref.secret} has no key ${ref.key}`);
    env[ref.variable] = secretValue(ref.key);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef)
      env[e.name] = configMap(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key];
  }
  return env;
}

const podTemplateOf = (workload: Manifest) =>
  workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
const containerOf = (workload: Manifest) => podTemplateOf(workload).spec.containers[0];

/** dist/<source>.js -> <source>; undefined for a container that does not run our build. */
function sourceOf(workload: Manifest): string | undefined {
  const command: string[] = containerOf(workload).command ?? [];
  if (command[0] !== 'node') return undefined;
  const match = /^dist\/(.+)\.js$/.exec(command[1] ?? '');
  if (!match) throw new Error(`${workload.metadata.name}: command ${command.join(' ')}`);
  return match[1];
}

const ours = workloads.filter((w) => sourceOf(w) !== undefined);
const appDeployments = deployments.filter((d) => sourceOf(d) !== undefined);
const configured = ours.filter((w) => sourceOf(w) !== 'scripts/migrate');

function loadFor(workload: Manifest, env: Env = containerEnv(containerOf(workload))) {
  const loader = configLoaders[sourceOf(workload)!];
  if (!loader) throw new Error(`${workload.metadata.name}: no config loader for ${sourceOf(workload)}`);
  return loader(env);
}

const portOf = (config: unknown) => (config as { port: number }).port;

function containerPort(container: any, port: number | string): number {
  if (typeof port === 'number') return port;
  const found = (container.ports ?? []).find((p: any) => p.name === port);
  if (!found) throw new Error(`${container.name}: no port named ${port}`);
  return found.containerPort;
}

const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The one Deployment whose pods `selector` selects. */
function selectedDeployment(selector: Record<string, string>, what: string): Manifest {
  const found = deployments.filter((d) => selects(selector, d.spec.template.metadata.labels));
  if (found.length !== 1) throw new Error(`${what} selects ${found.length} Deployments`);
  return found[0]!;
}

/** Service name -> the Deployment behind it and its service port -> container port. */
function serviceTargets(): Map<string, { deployment: Manifest; ports: Map<number, number> }> {
  return new Map(
    services.map((s) => {
      const deployment = selectedDeployment(s.spec.selector, `Service ${s.metadata.name}`);
      const ports = new Map<number, number>(
        s.spec.ports.map((p: any) => [
          p.port,
          containerPort(containerOf(deployment), p.targetPort ?? p.port),
        ]),
      );
      return [s.metadata.name, { deployment, ports }];
    }),
  );
}

/** URLs in an environment that name a Service: the calls this process makes inside the cluster. */
function serviceCalls(env: Env): { variable: string; service: string; port: number }[] {
  const targets = serviceTargets();
  return Object.entries(env).flatMap(([variable, value]) => {
    if (!value || !URL.canParse(value)) return [];
    const url = new URL(value);
    if (!targets.has(url.hostname)) return [];
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    return [{ variable, service: url.hostname, port }];
  });
}

type Allowed = Map<string, Map<number, Set<string>>>;

function allow(allowed: Allowed, deployment: string, port: number, peer: string) {
  const ports = allowed.get(deployment) ?? new Map<number, Set<string>>();
  allowed.set(deployment, ports.set(port, (ports.get(port) ?? new Set()).add(peer)));
}

/**
 * What the manifests imply: each caller on the port its URL names, Prometheus on the annotated port, and anyone
 * on the ports of a Deployment no URL calls (the entry, the router).
 */
function expectedIngress(): Allowed {
  const allowed: Allowed = new Map();
  const targets = serviceTargets();
  const called = new Set<string>();
  for (const caller of workloads) {
    for (const call of serviceCalls(containerEnv(containerOf(caller)))) {
      const target = targets.get(call.service)!;
      const port = target.ports.get(call.port);
      if (port === undefined)
        throw new Error(`${caller.metadata.name} ${call.variable}: no such Service port`);
      if (target.deployment === caller) continue;
      called.add(target.deployment.metadata.name);
      allow(allowed, target.deployment.metadata.name, port, caller.metadata.name);
    }
  }
  for (const deployment of deployments) {
    const annotations = deployment.spec.template.metadata.annotations ?? {};
    if (annotations['prometheus.io/scrape'] === 'true')
      allow(allowed, deployment.metadata.name, Number(annotations['prometheus.io/port']), PROMETHEUS_PEER);
    if (!called.has(deployment.metadata.name))
      for (const [, { deployment: d, ports }] of targets)
        if (d === deployment)
          for (const port of ports.values()) allow(allowed, d.metadata.name, port, 'anyone');
  }
  return allowed;
}

function peerName(peer: any): string {
  const pod = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
  const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (peer.ipBlock || !pod || (peer.namespaceSelector && !namespace)) throw new Error(`unexpected peer`);
  return namespace ? `${namespace}/${pod}` : pod;
}

/** What the NetworkPolicies admit, per Deployment and port. */
function actualIngress(): Allowed {
  const allowed: Allowed = new Map();
  for (const policy of policies) {
    const selector = policy.spec.podSelector.matchLabels ?? {};
    if (Object.keys(selector).length === 0) continue; // the default deny
    const deployment = selectedDeployment(selector, `NetworkPolicy ${policy.metadata.name}`);
    for (const rule of policy.spec.ingress ?? []) {
      if (!rule.ports?.length) throw new Error(`NetworkPolicy ${policy.metadata.name}: a rule without ports`);
      const peers: string[] = rule.from?.length ? rule.from.map(peerName) : ['anyone'];
      for (const p of rule.ports)
        for (const peer of peers)
          allow(allowed, deployment.metadata.name, containerPort(containerOf(deployment), p.port), peer);
    }
  }
  return allowed;
}

const sorted = (allowed: Allowed) =>
  Object.fromEntries(
    [...allowed]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, ports]) => [
        name,
        Object.fromEntries([...ports].map(([port, peers]) => [port, [...peers].sort()])),
      ]),
  );

describe('deploy/k8s', () => {
  it('lists every manifest in a kustomization, with one namespace and one image setting', () => {
    const listed = kustomizations.flatMap((k) => k.resources.map((r) => path.join(k.dir, r))).sort();
    const onDisk = ['.', 'migrate']
      .flatMap((dir) => readdirSync(path.join(k8sDir, dir)).map((f) => path.join(dir, f)))
      .filter((f) => f.endsWith('.yaml') && path.basename(f) !== 'kustomization.yaml')
      .sort();
    expect(listed).toEqual(onDisk);
    expect(new Set(kustomizations.map((k) => k.namespace)).size).toBe(1);
    expect(kustomizations[1]!.images).toEqual(kustomizations[0]!.images);
  });

  it('validates every manifest against the Kubernetes JSON schemas', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, ...object } of manifests) {
      const what = `${file}: ${object.apiVersion} ${object.kind} ${object.metadata.name}`;
      const Model = models.find((m) => m.apiVersion === object.apiVersion && m.kind === object.kind);
      expect(Model, what).toBeDefined();
      expect(() => new Model!(object as never).validate(), what).not.toThrow();
    }
  });

  it('runs one image, built by the build, everywhere it runs our code', () => {
    const images = new Set(ours.map((w) => containerOf(w).image));
    expect(images.size).toBe(1);
    const [image] = [...images] as [string];
    const [{ name, newTag }] = kustomizations[0]!.images as [{ name: string; newTag: string }];
    expect(image).toBe(`${name}:${newTag}`);
    for (const w of workloads) {
      const source = sourceOf(w);
      if (source !== undefined) expect(existsSync(path.join(root, `${source}.ts`)), source).toBe(true);
      else expect(containerOf(w).image, w.metadata.name).toMatch(/:\d[\w.-]*$/); // others pinned
    }
    expect(sourceOf(ofKind('Job')[0]!)).toBe('scripts/migrate');
    expect(configured.map(sourceOf).sort()).toEqual(Object.keys(configLoaders).sort());
  });

  it.each(configured.map((w) => [w.metadata.name, w] as const))(
    '%s gets from its ConfigMaps and Secrets every variable its config requires, pointing at no loopback',
    (_name, workload) => {
      // A default of 127.0.0.1 or localhost left in place: a variable the manifest forgot.
      expect(JSON.stringify(loadFor(workload))).not.toMatch(/127\.0\.0\.1|localhost|\[::1\]/);
    },
  );

  it.each(ours.map((w) => [w.metadata.name, w] as const))(
    '%s runs as non-root on a read-only root with a writable /tmp, within requests and limits',
    (_name, workload) => {
      const pod = podTemplateOf(workload).spec;
      const container = containerOf(workload);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = container.volumeMounts.find((v: any) => v.mountPath === '/tmp');
      expect(pod.volumes.find((v: any) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      for (const bound of ['requests', 'limits'])
        expect(Object.keys(container.resources[bound]).sort(), bound).toEqual(['cpu', 'memory']);
    },
  );

  describe.each(appDeployments.map((d) => [d.metadata.name, d] as const))('%s', (_name, deployment) => {
    const container = containerOf(deployment);

    it('reads every URL it is given that names a Service', () => {
      const env = containerEnv(container);
      const config = JSON.stringify(loadFor(deployment, env));
      for (const call of serviceCalls(env))
        expect(
          JSON.stringify(loadFor(deployment, { ...env, [call.variable]: undefined })),
          call.variable,
        ).not.toBe(config);
    });

    it('listens on its containerPort, probed on /ready and /health, scraped on its metrics port', () => {
      const config = loadFor(deployment);
      expect(containerPort(container, 'http')).toBe(portOf(config));
      for (const [probe, path] of [
        ['readinessProbe', '/ready'],
        ['livenessProbe', '/health'],
      ] as const) {
        expect(container[probe]?.httpGet?.path, probe).toBe(path);
        expect(containerPort(container, container[probe].httpGet.port), probe).toBe(portOf(config));
      }
      const metricsListener = (config as any).options?.metrics?.listener;
      const metricsPort = metricsListener ? metricsListener.port : portOf(config);
      if (metricsListener) expect(metricsListener.host).toBe('0.0.0.0');
      expect(deployment.spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(metricsPort),
        'prometheus.io/path': '/metrics',
      });
      expect(container.ports.map((p: any) => p.containerPort)).toContain(metricsPort);
    });

    it('is scaled by an autoscaler and kept by a disruption budget', () => {
      const [hpa, ...more] = ofKind('HorizontalPodAutoscaler').filter(
        (h) => h.spec.scaleTargetRef.name === deployment.metadata.name,
      );
      expect(more).toEqual([]);
      expect(hpa?.spec.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa!.spec.maxReplicas).toBeGreaterThanOrEqual(hpa!.spec.minReplicas);
      // The autoscaler owns the count: a number in the Deployment would reset it on every apply.
      expect(deployment.spec.replicas).toBeUndefined();
      const budgets = ofKind('PodDisruptionBudget').filter((p) =>
        selects(p.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      expect(budgets).toHaveLength(1);
      // A budget that no drain can meet would block node maintenance.
      expect(budgets[0]!.spec.minAvailable).toBeLessThan(hpa!.spec.minReplicas);
    });
  });

  it('refuses to start with a secret left empty, unless the example marks it optional', () => {
    // Per key: does any process that reads it stop when it is empty (an empty value is an unset variable)?
    const refused = new Map<string, boolean>();
    for (const workload of configured) {
      const container = containerOf(workload);
      for (const ref of secretRefs(container)) {
        const id = `${ref.secret} ${ref.key}`;
        let stops = false;
        try {
          loadFor(workload, { ...containerEnv(container), [ref.variable]: '' });
        } catch (error) {
          stops = String(error).includes(ref.variable);
        }
        refused.set(id, (refused.get(id) ?? false) || stops);
      }
    }
    const optional = [...refused.keys()].filter((id) => {
      const [secret, key] = id.split(' ') as [string, string];
      return secretExample(secret).get(key)!.optional;
    });
    expect(optional.sort()).toEqual(
      [...refused]
        .filter(([, stops]) => !stops)
        .map(([id]) => id)
        .sort(),
    );
  });

  it('points every autoscaler and disruption budget at a Deployment', () => {
    for (const hpa of ofKind('HorizontalPodAutoscaler'))
      expect(deployments.map((d) => d.metadata.name)).toContain(hpa.spec.scaleTargetRef.name);
    for (const pdb of ofKind('PodDisruptionBudget'))
      expect(() =>
        selectedDeployment(pdb.spec.selector.matchLabels, `PDB ${pdb.metadata.name}`),
      ).not.toThrow();
  });

  it('sends each Service to the pods of one Deployment, on the port their container listens on', () => {
    for (const [name, { deployment, ports }] of serviceTargets()) {
      expect(ports.size, name).toBeGreaterThan(0);
      // Same number on both sides, so the URLs (service:port) read as the config modules' ports.
      for (const [port, target] of ports) expect(target, `${name}:${port}`).toBe(port);
      expect(deployment.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort)).toEqual(
        expect.arrayContaining([...ports.values()]),
      );
    }
  });

  it('denies ingress by default and admits exactly the callers the URLs imply', () => {
    const deny = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0);
    expect(deny).toHaveLength(1);
    expect(deny[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    for (const p of policies) expect(p.spec.policyTypes, p.metadata.name).toContain('Ingress');
    // Policies name callers by this label: it must be on their pods, as their name.
    for (const w of workloads)
      expect(podTemplateOf(w).metadata.labels['app.kubernetes.io/name'], w.metadata.name).toBe(
        w.metadata.name,
      );
    const expected = sorted(expectedIngress());
    expect(sorted(actualIngress())).toEqual(expected);
    // The derivation itself: a subgraph's URLs are seen (audit ingest from every relay, the JWKS from all).
    expect(expected.audit?.[4005]).toEqual(
      expect.arrayContaining(['ai', 'auth', 'files', 'router', 'samples', 'submission']),
    );
  });

  it('stores files on a volume at FILES_DIR, shared by every replica', () => {
    const files = appDeployments.find((d) => sourceOf(d) === 'subgraphs/files/index')!;
    const { filesDir } = loadFilesConfig(containerEnv(containerOf(files)));
    const mount = containerOf(files).volumeMounts.find((v: any) => v.mountPath === filesDir);
    const volume = files.spec.template.spec.volumes.find((v: any) => v.name === mount?.name);
    const claim = ofKind('PersistentVolumeClaim').find(
      (c) => c.metadata.name === volume?.persistentVolumeClaim?.claimName,
    );
    const replicas = Math.max(
      files.spec.replicas ?? 1,
      ...ofKind('HorizontalPodAutoscaler')
        .filter((h) => h.spec.scaleTargetRef.name === files.metadata.name)
        .map((h) => h.spec.maxReplicas),
    );
    expect(claim?.spec.accessModes).toEqual(replicas > 1 ? ['ReadWriteMany'] : expect.any(Array));
  });

  it('migrates every domain database as the migrator, from a Secret no subgraph reads', () => {
    const [job] = ofKind('Job');
    const refs = secretRefs(containerOf(job!));
    expect(refs.map((r) => r.variable).sort()).toEqual(listDomains().map(databaseUrlVariable).sort());
    const jobSecrets = new Set(refs.map((r) => r.secret));
    for (const d of deployments)
      for (const ref of secretRefs(containerOf(d)))
        expect(jobSecrets.has(ref.secret), d.metadata.name).toBe(false);
  });

  it('keeps no secret value in the repository, and lists no key that nothing reads', () => {
    const read = new Map<string, Set<string>>();
    for (const w of workloads)
      for (const ref of secretRefs(containerOf(w)))
        read.set(ref.secret, (read.get(ref.secret) ?? new Set()).add(ref.key));
    const examples = readdirSync(path.join(k8sDir, 'secrets')).filter((f) => f.endsWith('.env.example'));
    expect(examples.map((f) => `nanopore-${f.replace('.env.example', '')}`).sort()).toEqual(
      [...read.keys()].sort(),
    );
    for (const [secret, keys] of read) {
      const example = secretExample(secret);
      expect([...example.keys()].sort(), secret).toEqual([...keys].sort());
      for (const [key, { value }] of example) expect(value, `${secret} ${key}`).toBe('');
    }
    expect(ofKind('Secret')).toEqual([]);
  });
});
