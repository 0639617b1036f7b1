import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, posix, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ALERTMANAGER_VARIANTS, SECRET_FILES, SECRETS_DIR } from '../src/stack/alertmanager/generate.js';
import { ALERTMANAGER_CONFIG_DIR } from '../src/stack/compose/metrics.js';
import { BOOTSTRAP_SETTING, PIPELINE_SERVICE, SECOND_REPLICA } from '../src/stack/compose/generate.js';
import { REQUIRED_VARIABLES, OPTIONAL_VARIABLES, PRODUCTION_FILE, PRODUCTION_SWITCH } from '../src/stack/compose/variables.js';
import { CA_CERT_PATH, LOG_PATH, PIPELINE_LOG_FILE } from '../src/stack/filebeat/generate.js';
import { TRAINING_DATA_FILE } from '../src/stack/kubernetes/pipeline.js';
import { buildProgram } from '../src/cli/program.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { freePort } from '../bench/children.js';
import { tempDir } from './helpers/fixtures.js';
import { PROMOTION_REJECTED_EXIT_CODE } from '../src/pipeline/promotion.js';
import { commandMissing, skipUnlessTool } from './helpers/tools.js';

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
  profiles?: string[];
};

const deploy = (path: string) => fileURLToPath(new URL(`../deploy/${path}`, import.meta.url));
const composeDir = deploy('compose');
const text = readFileSync(deploy('compose/docker-compose.yml'), 'utf8');
const compose = parse(text) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const envExample = readFileSync(deploy('compose/.env.example'), 'utf8');
const readYaml = <T>(path: string) => parse(readFileSync(deploy(path), 'utf8')) as T;

/**
 * A mount `source:target[:mode]`, with a bind mount's source resolved from deploy/compose/ (a source
 * given by a variable, `${NAME:-default}`, at its default).
 */
function mounts(service: Service) {
  return (service.volumes ?? []).map((spec) => {
    const [, given, target, mode] = /^(\$\{[^}]*\}|[^:]+):([^:]+)(?::(.+))?$/.exec(spec)!;
    const source = given.startsWith('${') ? given.slice(given.indexOf(':-') + 2, -1) : given;
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
    // Every service a note names as "the `x` service" is one, under that name.
    const named = [...envExample.matchAll(/the (?:one-shot )?`([a-z0-9-]+)` service/g)].map((m) => m[1]);
    assert.ok(named.includes('kibana-password'), 'the kibana_system password is set by the kibana-password service');
    for (const name of named) assert.ok(services[name], `.env.example names a service ${name} that does not exist`);
    assert.doesNotMatch(envExample, /the certs step gives/, 'the certs step makes certificates, not passwords');
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

  test('every target Prometheus scrapes or alerts, static or in a file_sd file, is a Compose service exposing that port', () => {
    type Targets = { static_configs?: { targets: string[] }[]; file_sd_configs?: { files: string[] }[] };
    const config = readYaml<{ scrape_configs: Targets[]; alerting: { alertmanagers: Targets[] } }>('prometheus/prometheus.yml');
    const jobs = [...config.scrape_configs, ...config.alerting.alertmanagers];
    const targets = jobs.flatMap((c) => c.static_configs ?? []).flatMap((s) => s.targets);
    // file_sd: the globs resolve from the config file's directory, which Prometheus has mounted.
    const mounted = new Map(mounts(services.prometheus).map((m) => [m.target, m.hostPath]));
    const fileSd = jobs.flatMap((c) => c.file_sd_configs ?? []).flatMap((f) => f.files);
    assert.ok(fileSd.length > 0);
    for (const glob of fileSd) {
      const hostDir = mounted.get(posix.join('/etc/prometheus', posix.dirname(glob)));
      assert.ok(hostDir, `Prometheus does not mount the directory of ${glob}`);
      const files = readdirSync(hostDir).filter((f) => new RegExp(`^${posix.basename(glob).replace('.', '\\.').replace('*', '.*')}$`).test(f));
      assert.ok(files.length > 0, `${glob} matches no file`);
      for (const file of files) targets.push(...(JSON.parse(readFileSync(join(hostDir, file), 'utf8')) as { targets: string[] }[]).flatMap((g) => g.targets));
    }
    assert.ok(targets.includes(`${SECOND_REPLICA.host}:5000`), 'the second replica is scraped');
    assert.ok(targets.length >= 6);
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

  test("Alertmanager's entrypoint writes the receiver secrets it is given into a tmpfs; production requires both", () => {
    const files = new Set<string>();
    for (const file of readdirSync(deploy('alertmanager')).filter((f) => f.endsWith('.yml'))) {
      for (const m of readFileSync(deploy(`alertmanager/${file}`), 'utf8').matchAll(/_file: (\S+)/g)) files.add(m[1]);
    }
    assert.deepEqual([...files].sort(), Object.values(SECRET_FILES).sort());
    const script = services.alertmanager.entrypoint!.join('\n');
    const production = readYaml<{ services: Record<string, Service> }>(`compose/${PRODUCTION_FILE}`).services;
    for (const [name, file] of Object.entries(SECRET_FILES)) {
      assert.ok(script.includes(`"$$${name}" > ${file}`), file);
      assert.equal(services.alertmanager.environment![name], `\${${name}:-}`, `${name} is empty unless given`);
      assert.match(production.alertmanager.environment![name], new RegExp(`^\\$\\{${name}:\\?`), `${name} is required in production`);
    }
    assert.deepEqual(services.alertmanager.tmpfs, [SECRETS_DIR]);
    // Every configuration the entrypoint can pick is in the directory mounted where it looks.
    const configDir = mounts(services.alertmanager).find((m) => m.target === ALERTMANAGER_CONFIG_DIR);
    assert.ok(configDir?.readOnly && configDir.hostPath);
    const picked = [...script.matchAll(/config=(\S+) ;;/g)].map((m) => m[1]);
    assert.deepEqual(picked.sort(), ALERTMANAGER_VARIANTS.map((v) => v.file).sort());
    for (const file of picked) assert.ok(existsSync(join(configDir.hostPath, file)), file);
    assert.ok(script.includes(`--config.file=${ALERTMANAGER_CONFIG_DIR}/$$config`));
  });

  test('credentials: a documented local default in the try-out, a required variable in production; no admin/admin, no changeme', () => {
    const secret = /PASSWORD|SECRET|TOKEN|ENCRYPTIONKEY|ROUTING_KEY|WEBHOOK/;
    const docs = readFileSync(fileURLToPath(new URL('../docs/stack.md', import.meta.url)), 'utf8');
    const production = readYaml<{ services: Record<string, Service> }>(`compose/${PRODUCTION_FILE}`).services;
    let count = 0;
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (!secret.test(key)) continue;
        count++;
        const match = /^\$\{([A-Z_]+):-([^}]*)\}$/.exec(String(value));
        assert.ok(match, `${name}.${key} is not a variable with a local default: ${value}`);
        const variable = REQUIRED_VARIABLES.find((v) => v.name === match[1]);
        assert.equal(match[2], variable?.localDefault, `${name}.${key}`);
        if (match[2]) assert.ok(docs.includes(`\`${match[2]}\``), `docs/stack.md documents the local ${match[1]}`);
        assert.equal(production[name]?.environment?.[key], `\${${match[1]}:?${match[1]} is not set: fill it in in .env (production mode, docs/stack.md)}`, `${name}.${key} is required in production`);
      }
    }
    assert.ok(count >= 10);
    assert.doesNotMatch(text, /changeme|admin\/admin|password[:=]\s*["']?admin\b/i);
    assert.doesNotMatch(envExample, /^[A-Z_]*(PASSWORD|KEY|URL)=\S/m);
  });

  test('every image is pinned, and Elasticsearch, Kibana and Filebeat share one version', () => {
    for (const [name, { image }] of Object.entries(services)) assert.match(image, /:[\w.-]+$/, name);
    assert.doesNotMatch(text, /:latest\b/);
    const elastic = new Set(['elasticsearch', 'kibana', 'filebeat'].map((name) => services[name].image.split(':').at(-1)));
    assert.equal(elastic.size, 1);
  });

  /** A copy of deploy/ (and a Dockerfile for the build context) in a temp dir, without any .env. */
  function composeCopy(): string {
    const dir = tempDir('modelwatch-compose-');
    cpSync(deploy(''), join(dir, 'deploy'), { recursive: true });
    rmSync(join(dir, 'deploy', 'compose', '.env'), { force: true });
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    return join(dir, 'deploy', 'compose');
  }
  /** `docker-compose config` with an EMPTY environment (PATH only). */
  const configIn = (cwd: string) => spawnSync('docker-compose', ['config'], { cwd, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
  type Resolved = { services: Record<string, Omit<Service, 'ports'> & { ports?: (string | { host_ip?: string })[] }> };

  test('local try-out: docker-compose config passes with an empty environment and no .env; every port on 127.0.0.1', () => {
    assert.equal(composeMissing, undefined, composeMissing);
    const result = configIn(composeCopy());
    assert.equal(result.status, 0, result.stderr);
    const resolved = parse(result.stdout) as Resolved;
    let published = 0;
    for (const [name, service] of Object.entries(resolved.services)) {
      for (const mapping of service.ports ?? []) {
        published++;
        const host = typeof mapping === 'string' ? mapping.split(':')[0] : mapping.host_ip;
        assert.equal(host, '127.0.0.1', `${name} publishes ${JSON.stringify(mapping)}`);
      }
    }
    assert.ok(published >= 7);
    // A model from the first start on (trained on synthetic data), followed by both replicas.
    assert.equal(resolved.services.modelwatch.environment![BOOTSTRAP_SETTING], 'true');
    for (const replica of ['modelwatch', SECOND_REPLICA.host]) assert.equal(resolved.services[replica].environment!.MODEL_WATCH, 'true', replica);
    // No pager or chat secret: Alertmanager starts, alerts in its UI only.
    assert.equal(resolved.services.alertmanager.environment!.PAGERDUTY_ROUTING_KEY, '');
    assert.equal(resolved.services.alertmanager.environment!.SLACK_WEBHOOK_URL, '');
    // The raw file agrees: no published port without the loopback default.
    for (const [name, service] of Object.entries(services)) for (const p of service.ports ?? []) assert.match(p, /^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:/, name);
  });

  test('production is one switch away: a .env from .env.example requires every credential, drops the synthetic model, starts the pipeline', () => {
    assert.equal(composeMissing, undefined, composeMissing);
    assert.match(envExample, new RegExp(`^COMPOSE_FILE=${PRODUCTION_SWITCH.COMPOSE_FILE}$`, 'm'));
    assert.match(envExample, new RegExp(`^COMPOSE_PROFILES=${PRODUCTION_SWITCH.COMPOSE_PROFILES}$`, 'm'));
    assert.deepEqual(services[PIPELINE_SERVICE].profiles, [PRODUCTION_SWITCH.COMPOSE_PROFILES]);
    const dir = composeCopy();
    writeFileSync(join(dir, '.env'), envExample);
    const unfilled = configIn(dir);
    assert.notEqual(unfilled.status, 0, 'the .env as copied, credentials empty, is refused');
    assert.match(unfilled.stderr, /is not set: fill it in in \.env/);
    writeFileSync(join(dir, '.env'), envExample.replace(/^([A-Z_]+)=$/gm, (_all, name: string) => `${name}=${dummies[name] ?? ''}`));
    const filled = configIn(dir);
    assert.equal(filled.status, 0, filled.stderr);
    const resolved = parse(filled.stdout) as Resolved;
    assert.equal(resolved.services.modelwatch.environment![BOOTSTRAP_SETTING], 'false');
    assert.equal(resolved.services.alertmanager.environment!.PAGERDUTY_ROUTING_KEY, dummies.PAGERDUTY_ROUTING_KEY);
    assert.equal(resolved.services.grafana.environment!.GF_SECURITY_ADMIN_PASSWORD, dummies.GF_SECURITY_ADMIN_PASSWORD);
  });

  test('the second replica is real: the registry shared and followed, its own log file, not published, started after the first', () => {
    const second = services[SECOND_REPLICA.host];
    assert.ok(second, `${SECOND_REPLICA.host} is a service`);
    assert.equal(second.image, services.modelwatch.image);
    const registry = (s: Service) => mounts(s).find((m) => m.target === s.environment!.MODEL_DIR)?.source;
    assert.equal(registry(second), registry(services.modelwatch));
    assert.equal(second.environment!.MODEL_WATCH, 'true');
    assert.equal(second.environment![BOOTSTRAP_SETTING], undefined, 'only the first replica may train the first model');
    assert.notEqual(second.environment!.LOG_FILE, services.modelwatch.environment!.LOG_FILE);
    assert.equal(second.ports, undefined);
    assert.ok(exposes(second, 5000));
    assert.equal(conditions(second).find(([name]) => name === 'modelwatch')?.[1].condition, 'service_healthy');
  });

  test('the scheduled pipeline runs a command the CLI accepts, on mounted data, into the replicas\' registry, logging where Filebeat reads', () => {
    const pipeline = services[PIPELINE_SERVICE];
    const script = pipeline.command!.join('\n').replaceAll('$$', '$');
    const line = script.split('\n').find((l) => l.includes('modelwatch pipeline run'))!;
    const words = line.split(/;|\|\|/)[0].trim().split(/\s+/);
    const args = words.slice(words.indexOf('pipeline') + 2);
    const run = buildProgram().commands.find((c) => c.name() === 'pipeline')!.commands.find((c) => c.name() === 'run')!;
    const { unknown, operands } = run.parseOptions(args);
    assert.deepEqual([unknown, operands], [[], []], args.join(' '));
    const flags = run.opts() as { data: string; logFile: string };
    assert.equal(flags.data, TRAINING_DATA_FILE);
    assert.equal(flags.logFile, PIPELINE_LOG_FILE);
    const under = (s: Service, file: string) => mounts(s).find((m) => file.startsWith(`${m.target}/`));
    assert.ok(under(pipeline, flags.data)?.readOnly, 'the training data is mounted read-only');
    assert.equal(pipeline.environment!.MODEL_DIR, services.modelwatch.environment!.MODEL_DIR);
    assert.equal(under(pipeline, `${pipeline.environment!.MODEL_DIR}/x`)?.source, under(services.modelwatch, `${services.modelwatch.environment!.MODEL_DIR}/x`)?.source, 'the same registry volume');
    assert.equal(hostOf(pipeline.environment!.PUSHGATEWAY_URL), 'pushgateway');
    // A fixed instance, not the container's host name (new whenever it is recreated).
    assert.match(pipeline.environment!.PIPELINE_INSTANCE ?? '', /^[a-z][a-z-]+$/);
    assert.ok(services.pushgateway);
  });

  test('every log file Filebeat reads is written by a service whose log volume Filebeat mounts, and every log written is read', () => {
    const filebeat = readYaml<{ 'filebeat.inputs': { paths: string[] }[] }>('filebeat/filebeat.yml');
    const globs = filebeat['filebeat.inputs'].flatMap((i) => i.paths);
    const matches = (file: string, glob: string) => posix.dirname(file) === posix.dirname(glob) && new RegExp(`^${posix.basename(glob).replace('.', '\\.').replace('*', '[^/]*')}$`).test(posix.basename(file));
    /** Every service's log file: LOG_FILE, or --log-file in its command. */
    const writers = Object.entries(services).flatMap(([name, service]) => {
      const files: string[] = [];
      if (service.environment?.LOG_FILE) files.push(service.environment.LOG_FILE);
      for (const m of (service.command ?? []).join(' ').matchAll(/--log-file (\S+)/g)) files.push(m[1]);
      return files.map((file) => ({ name, service, file }));
    });
    assert.deepEqual(writers.map((w) => w.name).sort(), [PIPELINE_SERVICE, 'modelwatch', SECOND_REPLICA.host].sort());
    const volumeAt = (service: Service, dir: string) => mounts(service).find((m) => m.target === dir)?.source;
    for (const { name, service, file } of writers) {
      const glob = globs.find((g) => matches(file, g));
      assert.ok(glob, `${name} writes ${file}, which Filebeat does not read`);
      const source = volumeAt(service, posix.dirname(file));
      assert.ok(source, `${name}: ${posix.dirname(file)} is not a volume`);
      assert.equal(volumeAt(services.filebeat, posix.dirname(glob)), source, `Filebeat does not mount ${name}'s log volume`);
    }
    assert.equal(new Set(writers.map((w) => w.file)).size, writers.length, 'no two services append to the same file');
    for (const glob of globs) assert.ok(writers.some((w) => matches(w.file, glob)), `nothing writes ${glob}`);
  });

  test("the pipeline service's loop really runs the pipeline, logs where Filebeat reads, and its health check follows the last run", async () => {
    const pipeline = services[PIPELINE_SERVICE];
    const dir = tempDir('modelwatch-compose-pipeline-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'modelwatch'), `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${fileURLToPath(new URL('../src/cli/main.ts', import.meta.url))}" "$@"\n`, { mode: 0o755 });
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    await writeLabelledCsv(join(dataDir, posix.basename(TRAINING_DATA_FILE)), generateSynthetic({ rows: 1200, seed: 9 }));
    const modelDir = join(dir, 'models');
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    /** The container's paths, pointed into the temp dir; Compose's $$ is the shell's $. */
    const local = (text: string) =>
      text.replaceAll('$$', '$').replaceAll(pipeline.environment!.MODEL_DIR, modelDir).replaceAll(posix.dirname(PIPELINE_LOG_FILE), logDir).replaceAll(posix.dirname(TRAINING_DATA_FILE), dataDir);
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, MODEL_DIR: modelDir, PIPELINE_INTERVAL_SECONDS: '3600' };
    // Its own process group, so that the `sleep` between runs ends with it.
    const loop = spawn('/bin/sh', ['-c', local(pipeline.command!.join('\n'))], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    loop.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      for (let i = 0; i < 600 && !stdout.includes('\n'); i++) await sleep(100);
    } finally {
      process.kill(-loop.pid!, 'SIGTERM');
    }
    const report = JSON.parse(stdout.split('\n')[0]) as { status: string; current?: string };
    assert.equal(report.status, 'success');
    assert.equal(report.current, 'v1', 'the first run trains and promotes the first model');
    const lines = readFileSync(join(logDir, posix.basename(PIPELINE_LOG_FILE)), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['event.action'] === 'pipeline_run_end' && l['event.outcome'] === 'success'));
    const health = () => spawnSync('/bin/sh', ['-c', local(pipeline.healthcheck!.test[1])], { env, encoding: 'utf8' }).status;
    assert.equal(health(), 0, 'healthy after a run');
    const state = join(modelDir, 'pipelines', 'bank-marketing.json');
    const old = new Date(Date.now() - 3 * 3600 * 1000);
    utimesSync(state, old, old);
    assert.equal(health(), 1, 'unhealthy when the last run is older than two intervals');
  });

  test('the loop tells a version the promotion gate rejected (exit 3) from a failed run, and keeps going', async () => {
    const pipeline = services[PIPELINE_SERVICE];
    const stderrFor = async (exitCode: number) => {
      const dir = tempDir('modelwatch-compose-loop-');
      writeFileSync(join(dir, 'modelwatch'), `#!/bin/sh\nexit ${exitCode}\n`, { mode: 0o755 });
      const loop = spawn('/bin/sh', ['-c', pipeline.command!.join('\n').replaceAll('$$', '$')], { env: { PATH: `${dir}:/usr/bin:/bin`, PIPELINE_INTERVAL_SECONDS: '3600' }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      loop.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      try {
        for (let i = 0; i < 100 && !stderr.includes('\n'); i++) await sleep(50);
      } finally {
        process.kill(-loop.pid!, 'SIGTERM');
      }
      return stderr;
    };
    assert.match(await stderrFor(PROMOTION_REJECTED_EXIT_CODE), /promotion gate kept the current model \(exit 3\)/);
    assert.match(await stderrFor(1), /pipeline run failed \(exit 1\)/);
  });
});

describe('the Pushgateway keeps what was pushed across a restart', { skip: skipUnlessTool(commandMissing('prometheus-pushgateway', 'apt-get install prometheus-pushgateway')) }, () => {
  test('its persistence file is on a named volume, and a real Pushgateway run with its flags serves a pushed run again after a restart', async () => {
    const gateway = services.pushgateway;
    const flag = (gateway.command ?? []).find((a) => a.startsWith('--persistence.file='));
    assert.ok(flag, `pushgateway command: ${JSON.stringify(gateway.command)}`);
    const file = flag.slice('--persistence.file='.length);
    const mount = mounts(gateway).find((m) => file.startsWith(`${m.target}/`));
    assert.ok(mount && mount.source in compose.volumes && !mount.readOnly, 'the file is on a writable named volume');

    const dir = tempDir('modelwatch-pushgateway-');
    const args = (gateway.command ?? []).map((a) => a.replace(mount.target, dir));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const start = async () => {
      const child = spawn('prometheus-pushgateway', [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await fetch(`${url}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
      return child;
    };
    const stop = (child: ReturnType<typeof spawn>) => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
    let child = await start();
    try {
      const pushed = await fetch(`${url}/metrics/job/model-training/pipeline/bank-marketing/instance/compose-pipeline`, { method: 'POST', body: 'pipeline_run_status 1\n' });
      assert.equal(pushed.status, 200);
      await stop(child);
      child = await start();
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /^pipeline_run_status\{[^}]*instance="compose-pipeline"[^}]*\} 1$/m, 'the pushed series survived the restart');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
