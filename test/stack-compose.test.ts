import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SECRET_FILES, SECRETS_DIR } from '../src/stack/alertmanager/generate.js';
import { REQUIRED_VARIABLES, OPTIONAL_VARIABLES } from '../src/stack/compose/variables.js';
import { CA_CERT_PATH, LOG_PATH } from '../src/stack/filebeat/generate.js';

type Service = {
  image: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  tmpfs?: string[];
  expose?: string[];
  ports?: string[];
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition?: string }> | string[];
};

const deploy = (path: string) => fileURLToPath(new URL(`../deploy/${path}`, import.meta.url));
const composeDir = deploy('compose');
const text = readFileSync(deploy('compose/docker-compose.yml'), 'utf8');
const compose = parse(text) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const envExample = readFileSync(deploy('compose/.env.example'), 'utf8');
const readYaml = <T>(path: string) => parse(readFileSync(deploy(path), 'utf8')) as T;

/** A mount `source:target[:mode]`, with a bind mount's source resolved from deploy/compose/. */
function mounts(service: Service) {
  return (service.volumes ?? []).map((spec) => {
    const [source, target, mode] = spec.split(':');
    const bind = source.startsWith('.') || source.startsWith('/');
    return { source, target, readOnly: mode?.split(',').includes('ro') ?? false, bind, hostPath: bind ? resolve(composeDir, source) : undefined };
  });
}
const conditions = (service: Service) => Object.entries(service.depends_on ?? {}) as [string, { condition?: string }][];
const oneShots = new Set(Object.values(services).flatMap((s) => conditions(s).filter(([, c]) => c.condition === 'service_completed_successfully').map(([name]) => name)));
const exposes = (service: Service, port: number) => (service.expose ?? []).includes(String(port)) || (service.ports ?? []).some((p) => p.endsWith(`:${port}`));
const hostOf = (url: string) => new URL(url).hostname;

const REQUIRED = REQUIRED_VARIABLES.map((v) => v.name);
const dummies = Object.fromEntries(REQUIRED.map((name) => [name, `dummy-${name.toLowerCase()}`]));
/**
 * `docker-compose config` with only the given variables (never the caller's environment, nor a
 * developer's .env: the env file is .env.example, whose secrets are empty).
 */
function dockerCompose(env: Record<string, string>) {
  return spawnSync('docker-compose', ['--env-file', '.env.example', 'config'], { cwd: composeDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' });
}
const composeMissing = spawnSync('docker-compose', ['version']).error
  ? "docker-compose not found: apt-get install docker-compose (Debian's 1.29 parses the file without an engine; .ci/run installs it)"
  : undefined;

describe('deploy/compose/docker-compose.yml', () => {
  test('docker-compose config accepts the file when every required variable is set', () => {
    assert.equal(composeMissing, undefined, composeMissing);
    const result = dockerCompose(dummies);
    assert.equal(result.status, 0, result.stderr);
    const resolved = parse(result.stdout) as { services: Record<string, Service> };
    assert.deepEqual(Object.keys(resolved.services).sort(), Object.keys(services).sort());
    // The service is built from the repository's Dockerfile.
    assert.ok(existsSync(resolve(resolved.services.modelwatch.build!.context, 'Dockerfile')));
    assert.equal(resolved.services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD, dummies.GF_SECURITY_ADMIN_PASSWORD);
  });

  test('without any one of the secrets docker-compose config fails and names it (no default passwords)', () => {
    assert.equal(composeMissing, undefined, composeMissing);
    for (const name of REQUIRED) {
      const env = { ...dummies };
      delete env[name];
      const result = dockerCompose(env);
      assert.notEqual(result.status, 0, `${name} unset was accepted`);
      assert.match(result.stderr, new RegExp(`${name} is not set`), name);
    }
  });

  test('.env.example lists every variable the file uses, the secrets empty', () => {
    const used = new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_]+)/g)].map((m) => m[1]));
    assert.deepEqual([...used].sort(), [...REQUIRED, ...Object.keys(OPTIONAL_VARIABLES)].sort());
    for (const name of REQUIRED) assert.match(envExample, new RegExp(`^${name}=$`, 'm'), name);
    for (const name of Object.keys(OPTIONAL_VARIABLES)) assert.match(envExample, new RegExp(`^# ${name}=`, 'm'), name);
    assert.match(envExample, /^COMPOSE_PROJECT_NAME=modelwatch$/m);
  });

  test('has the service, the metrics and log stacks and a one-shot setup container', () => {
    for (const name of ['modelwatch', 'prometheus', 'alertmanager', 'pushgateway', 'node-exporter', 'grafana', 'elasticsearch', 'kibana', 'filebeat', 'setup']) {
      assert.ok(services[name], name);
    }
    assert.deepEqual([...oneShots].sort(), ['certs', 'kibana-password', 'setup']);
  });

  test('every long-running service has a health check; one-shots restart never and publish nothing', () => {
    for (const [name, service] of Object.entries(services)) {
      if (oneShots.has(name)) {
        assert.equal(service.restart, undefined, name);
        assert.equal(service.ports, undefined, name);
      } else {
        assert.ok(service.healthcheck?.test.length, `${name} has no health check`);
        assert.equal(service.restart, 'unless-stopped', name);
      }
    }
  });

  test('every depends_on names a service and a condition, and the start order has no cycle', () => {
    const allowed = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const [name, service] of Object.entries(services)) {
      assert.ok(!Array.isArray(service.depends_on), `${name}: depends_on without conditions`);
      for (const [dependency, { condition }] of conditions(service)) {
        assert.ok(services[dependency], `${name} depends on unknown ${dependency}`);
        assert.ok(condition && allowed.includes(condition), `${name} → ${dependency}: condition ${condition}`);
        if (condition === 'service_healthy') assert.ok(services[dependency].healthcheck, `${name} waits for ${dependency} to be healthy, which has no health check`);
      }
    }
    const visiting = new Set<string>();
    const visit = (name: string, path: string[]) => {
      assert.ok(!visiting.has(name), `cycle: ${[...path, name].join(' → ')}`);
      visiting.add(name);
      for (const [dependency] of conditions(services[name])) visit(dependency, [...path, name]);
      visiting.delete(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  test('every bind mount of a generated file exists, every named volume is declared and used', () => {
    const used = new Set<string>();
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mounts(service)) {
        if (mount.bind) {
          if (mount.source.startsWith('..')) {
            assert.ok(existsSync(mount.hostPath!), `${name}: ${mount.source} does not exist`);
            assert.ok(mount.readOnly, `${name}: generated ${mount.source} mounted writable`);
          }
        } else {
          assert.ok(mount.source in compose.volumes, `${name}: volume ${mount.source} not declared`);
          used.add(mount.source);
        }
      }
    }
    assert.deepEqual([...used].sort(), Object.keys(compose.volumes).sort());
  });

  test('every target Prometheus scrapes or alerts is a Compose service exposing that port', () => {
    type Targets = { static_configs?: { targets: string[] }[] };
    const config = readYaml<{ scrape_configs: Targets[]; alerting: { alertmanagers: Targets[] } }>('prometheus/prometheus.yml');
    const targets = [...config.scrape_configs, ...config.alerting.alertmanagers].flatMap((c) => c.static_configs ?? []).flatMap((s) => s.targets);
    assert.ok(targets.length >= 5);
    for (const target of targets) {
      const [host, port] = target.split(':');
      if (host === 'localhost') continue;
      assert.ok(services[host], `Prometheus targets ${target}: no such service`);
      assert.ok(exposes(services[host], Number(port)), `${host} does not expose ${port}`);
    }
  });

  test('Prometheus keeps 7 days, has the admin and lifecycle APIs and reads the generated config and rules', () => {
    const { command = [], volumes } = services.prometheus;
    for (const flag of ['--storage.tsdb.retention.time=7d', '--web.enable-admin-api', '--web.enable-lifecycle']) assert.ok(command.includes(flag), flag);
    const configFile = command.find((f) => f.startsWith('--config.file='))!.split('=')[1];
    const targets = new Map(mounts(services.prometheus).map((m) => [m.target, m.source]));
    assert.equal(targets.get(configFile), '../prometheus/prometheus.yml', String(volumes));
    const ruleFiles = readYaml<{ rule_files: string[] }>('prometheus/prometheus.yml').rule_files;
    for (const glob of ruleFiles) assert.equal(targets.get(posix.join(posix.dirname(configFile), posix.dirname(glob))), `../prometheus/${posix.dirname(glob)}`, glob);
  });

  test('the data sources point at Compose services, and Grafana reads the provisioned dashboards', () => {
    const datasources = readYaml<{ datasources: { type: string; url: string }[] }>('grafana/provisioning/datasources/datasources.yml').datasources;
    const prometheus = datasources.find((d) => d.type === 'prometheus')!;
    assert.ok(services[hostOf(prometheus.url)], prometheus.url);
    for (const name of ['grafana', 'filebeat', 'setup']) {
      const url = services[name].environment!.ELASTICSEARCH_URL;
      assert.equal(hostOf(url), 'elasticsearch', name);
      assert.ok(url.startsWith('https://'), `${name}: Elasticsearch is on HTTPS`);
    }
    assert.ok(exposes(services.kibana, Number(new URL(services.setup.environment!.KIBANA_URL).port)));
    const provider = readYaml<{ providers: { options: { path: string } }[] }>('grafana/provisioning/dashboards/modelwatch.yml').providers[0];
    assert.ok(mounts(services.grafana).some((m) => m.target === provider.options.path && m.source === '../grafana/dashboards'));
  });

  test("Filebeat reads the service's log file from the same volume, and finds the CA the certs step writes", () => {
    const logFile = services.modelwatch.environment!.LOG_FILE;
    const logDir = posix.dirname(LOG_PATH);
    assert.equal(posix.dirname(logFile), logDir);
    assert.match(posix.basename(logFile), new RegExp(`^${posix.basename(LOG_PATH).replace('.', '\\.').replace('*', '.*')}$`));
    const volumeAt = (service: Service, target: string) => mounts(service).find((m) => m.target === target)?.source;
    assert.ok(volumeAt(services.modelwatch, logDir));
    assert.equal(volumeAt(services.filebeat, logDir), volumeAt(services.modelwatch, logDir));
    assert.ok(mounts(services.filebeat).find((m) => m.target === logDir)!.readOnly);
    const filebeat = readYaml<{ 'output.elasticsearch': { 'ssl.certificate_authorities': string[] } }>('filebeat/filebeat.yml');
    assert.deepEqual(filebeat['output.elasticsearch']['ssl.certificate_authorities'], [CA_CERT_PATH]);
    const caVolume = volumeAt(services.filebeat, posix.dirname(CA_CERT_PATH));
    const caInCerts = mounts(services.certs).find((m) => m.source === caVolume);
    assert.ok(caInCerts, 'the certs step mounts the CA volume');
    assert.match(services.certs.command!.join(' '), new RegExp(`${caInCerts.target}/${posix.basename(CA_CERT_PATH)}`));
    // Filebeat's own template is off: it must not ship before modelwatch's template is installed.
    assert.equal(conditions(services.filebeat).find(([name]) => name === 'setup')?.[1].condition, 'service_completed_successfully');
  });

  test("Alertmanager's entrypoint writes every receiver secret file, into a tmpfs, from a required variable", () => {
    const config = readFileSync(deploy('alertmanager/alertmanager.yml'), 'utf8');
    const files = [...config.matchAll(/_file: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(files.sort(), Object.values(SECRET_FILES).sort());
    const script = services.alertmanager.entrypoint!.join('\n');
    for (const [name, file] of Object.entries(SECRET_FILES)) {
      assert.ok(script.includes(`"$$${name}" > ${file}`), file);
      assert.match(services.alertmanager.environment![name], new RegExp(`^\\$\\{${name}:\\?`));
    }
    assert.deepEqual(services.alertmanager.tmpfs, [SECRETS_DIR]);
  });

  test('no password, key or token has a literal value; no admin/admin, no changeme', () => {
    const secret = /PASSWORD|SECRET|TOKEN|ENCRYPTIONKEY|ROUTING_KEY|WEBHOOK/;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (secret.test(key)) assert.match(String(value), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${key} is not a required variable`);
      }
    }
    assert.doesNotMatch(text, /changeme|admin\/admin|password[:=]\s*["']?admin\b/i);
    assert.doesNotMatch(envExample, /^[A-Z_]*(PASSWORD|KEY|URL)=\S/m);
  });

  test('every image is pinned, and Elasticsearch, Kibana and Filebeat share one version', () => {
    for (const [name, { image }] of Object.entries(services)) assert.match(image, /:[\w.-]+$/, name);
    assert.doesNotMatch(text, /:latest\b/);
    const elastic = new Set(['elasticsearch', 'kibana', 'filebeat'].map((name) => services[name].image.split(':').at(-1)));
    assert.equal(elastic.size, 1);
  });
});
