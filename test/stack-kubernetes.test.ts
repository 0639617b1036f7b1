import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Deployment as DeploymentModel } from 'kubernetes-models/apps/v1/Deployment';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildProgram } from '../src/cli/program.js';
import { ConfigSchema, loadConfig } from '../src/config.js';
import { MODEL_DIR as COMPOSE_MODEL_DIR, composeFile } from '../src/stack/compose/generate.js';
import { NAMES, NAMESPACE } from '../src/stack/kubernetes/common.js';
import { kubernetesManifests, type KubernetesObject } from '../src/stack/kubernetes/generate.js';
import { PIPELINE_ARGS, TRAINING_DATA_DIR } from '../src/stack/kubernetes/pipeline.js';
import { SCRAPE_FILE } from '../src/stack/kubernetes/prometheus.js';
import { GATEWAY_JOB } from '../src/stack/prometheus/generate.js';
import { PROBE_PATHS } from '../src/stack/kubernetes/server.js';
import { CONTAINER_LOG_DIR, CONTAINER_LOG_GLOB, FILEBEAT_CONFIG_DIR, FILEBEAT_CONFIG_KEY, POD_LOG_DIR, kubernetesFilebeatConfig } from '../src/stack/kubernetes/filebeat.js';
import { CA_CERT_PATH } from '../src/stack/filebeat/generate.js';
import { writeLabelledCsv } from '../src/data/csv.js';
import { generateSynthetic } from '../src/data/synthetic.js';
import { STEP_NAMES } from '../src/pipeline/steps.js';
import { MODELWATCH_IMAGE } from '../src/stack/modelwatch-image.js';
import { tempDir, testApp } from './helpers/fixtures.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const manifests = kubernetesManifests();
const objects: KubernetesObject[] = Object.values(manifests).flatMap((file) => [...file.objects]);
/** The one object of a kind (and name), as plain JSON. */
function find<T>(kind: string, name?: string): T {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  assert.equal(matches.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}`);
  return JSON.parse(JSON.stringify(matches[0].toJSON())) as T;
}
const deployment = find<IDeployment>('Deployment');
const cronJob = find<ICronJob>('CronJob');
const cronSpec = cronJob.spec!;
const service = find<IService>('Service');
const pdb = find<IPodDisruptionBudget>('PodDisruptionBudget');
const settingsMap = find<IConfigMap>('ConfigMap', NAMES.config);
const settings = settingsMap.data ?? {};
const serverPod = deployment.spec!.template.spec!;
const pipelinePod = cronSpec.jobTemplate.spec!.template.spec!;
const pods: [string, IPodSpec][] = [['Deployment', serverPod], ['CronJob', pipelinePod]];
const containers = (pod: IPodSpec): IContainer[] => [...(pod.initContainers ?? []), ...pod.containers];
const settingNames = new Set(Object.keys(ConfigSchema.properties));

/** `modelwatch pipeline run` as the real CLI defines it. */
function pipelineRunCommand(): Command {
  const run = buildProgram().commands.find((c) => c.name() === 'pipeline')?.commands.find((c) => c.name() === 'run');
  assert.ok(run, 'the CLI has `pipeline run`');
  return run;
}

/**
 * Parses `pipeline run …` with the real command's options, without running it: every flag must be
 * one the command defines (with a value where it takes one, passing its own checks), nothing may
 * be left over, and every mandatory option must be given.
 */
function parsePipelineArgs(args: readonly string[]): Record<string, unknown> {
  assert.deepEqual(args.slice(0, 2), ['pipeline', 'run']);
  const run = pipelineRunCommand();
  const { operands, unknown } = run.parseOptions([...args.slice(2)]);
  assert.deepEqual(unknown, [], `flags \`pipeline run\` does not accept: ${unknown.join(' ')}`);
  assert.deepEqual(operands, [], `arguments \`pipeline run\` does not take: ${operands.join(' ')}`);
  for (const option of run.options) {
    if (option.mandatory) assert.notEqual(run.getOptionValue(option.attributeName()), undefined, `${option.long} is required`);
  }
  return run.opts();
}

describe('deploy/kubernetes/ generated from src/stack/kubernetes/', () => {
  test('every object passes the Kubernetes OpenAPI schema (kubernetes-models validate)', () => {
    assert.ok(objects.length >= 9);
    for (const object of objects) assert.doesNotThrow(() => object.validate(), `${object.kind} ${object.metadata?.name}`);
    // The check is real: a wrong type is refused.
    const broken = new DeploymentModel({ ...(deployment as IDeployment), spec: { ...deployment.spec!, replicas: 'two' as unknown as number } });
    assert.throws(() => broken.validate(), /replicas/);
  });

  test('the files hold exactly these objects, one YAML document each, without anchors', () => {
    for (const [path, { objects: expected }] of Object.entries(manifests)) {
      const text = readFileSync(root(`deploy/kubernetes/${path}`), 'utf8');
      const documents = parseAllDocuments(text);
      for (const document of documents) assert.deepEqual(document.errors, [], path);
      assert.deepEqual(documents.map((d) => d.toJS()), expected.map((o) => JSON.parse(JSON.stringify(o.toJSON()))), path);
      assert.doesNotMatch(text, /[&*]a\d+\b/, `${path}: a shared object became a YAML anchor`);
    }
    assert.ok(manifests['pipeline-cronjob.yaml'].objects.some((o) => o.kind === 'CronJob'), 'docs/runbooks.md names deploy/kubernetes/pipeline-cronjob.yaml');
  });

  test('everything is in the modelwatch namespace, which namespace.yaml creates', () => {
    assert.deepEqual(manifests['namespace.yaml'].objects.map((o) => [o.kind, o.metadata?.name]), [['Namespace', NAMESPACE]]);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) assert.equal(object.metadata?.namespace, NAMESPACE, `${object.kind} ${object.metadata?.name}`);
  });

  test('the Deployment, Service and PodDisruptionBudget select the same pods; pipeline pods are not among them', () => {
    const selected = deployment.spec!.selector.matchLabels!;
    const podLabels = deployment.spec!.template.metadata!.labels!;
    for (const [key, value] of Object.entries(selected)) assert.equal(podLabels[key], value, `pod template carries ${key}`);
    assert.deepEqual(service.spec!.selector, selected);
    assert.deepEqual(pdb.spec!.selector!.matchLabels, selected);
    assert.equal(pdb.spec!.minAvailable, 1);
    assert.equal(deployment.spec!.replicas, 2);
    assert.equal(service.metadata!.labels!['app.kubernetes.io/name'], 'modelwatch');
    const pipelineLabels = cronSpec.jobTemplate.spec!.template.metadata!.labels!;
    assert.ok(Object.entries(selected).some(([key, value]) => pipelineLabels[key] !== value), 'the Service must not route requests to a pipeline pod');
  });

  test('every environment variable set is a setting of src/config.ts, with a value it accepts', () => {
    for (const name of Object.keys(settings)) assert.ok(settingNames.has(name), `ConfigMap key ${name} is not a setting`);
    assert.doesNotThrow(() => loadConfig(settings), 'the ConfigMap values pass the settings schema');
    for (const [kind, pod] of pods) {
      for (const container of containers(pod)) {
        for (const { name } of container.env ?? []) assert.ok(settingNames.has(name), `${kind} sets ${name}, which is not a setting`);
        for (const source of container.envFrom ?? []) {
          assert.equal(source.configMapRef?.name, NAMES.config, `${kind} reads its settings from the generated ConfigMap`);
        }
      }
    }
  });

  test('no secret values: ADMIN_TOKEN comes from an optional Secret reference, and no Secret is generated', () => {
    assert.ok(!objects.some((o) => o.kind === 'Secret'));
    const secretLike = /TOKEN|PASSWORD|SECRET|KEY/;
    for (const name of Object.keys(settings)) assert.doesNotMatch(name, secretLike, `${name} in a ConfigMap`);
    for (const [kind, pod] of pods) {
      for (const env of containers(pod).flatMap((c) => c.env ?? [])) {
        if (secretLike.test(env.name)) {
          assert.equal(env.value, undefined, `${kind}: ${env.name} has a literal value`);
          assert.ok(env.valueFrom?.secretKeyRef, `${kind}: ${env.name} is read from a Secret`);
        }
      }
    }
    const admin = serverPod.containers[0].env?.find((e) => e.name === 'ADMIN_TOKEN');
    assert.deepEqual(admin?.valueFrom?.secretKeyRef, { name: NAMES.adminSecret, key: 'token', optional: true });
  });

  test('the Deployment and the CronJob mount the same ReadWriteMany registry at MODEL_DIR, the image and Compose agree', () => {
    const modelDir = settings.MODEL_DIR;
    assert.equal(modelDir, COMPOSE_MODEL_DIR);
    assert.match(readFileSync(root('Dockerfile'), 'utf8'), new RegExp(`MODEL_DIR=${modelDir}\\b`), 'the Dockerfile sets the same MODEL_DIR');
    const claim = find<IPersistentVolumeClaim>('PersistentVolumeClaim', NAMES.modelsClaim);
    assert.deepEqual(claim.spec!.accessModes, ['ReadWriteMany']);
    for (const [kind, pod] of pods) {
      const mount: IVolumeMount | undefined = pod.containers[0].volumeMounts?.find((m) => m.mountPath === modelDir);
      assert.ok(mount && !mount.readOnly, `${kind} mounts a writable volume at ${modelDir}`);
      const volume: IVolume | undefined = pod.volumes?.find((v) => v.name === mount.name);
      assert.equal(volume?.persistentVolumeClaim?.claimName, NAMES.modelsClaim, `${kind} mounts the registry claim`);
      for (const { name } of pod.volumes ?? []) {
        assert.ok(containers(pod).some((c) => c.volumeMounts?.some((m) => m.name === name)), `${kind}: volume ${name} is mounted`);
      }
      for (const m of containers(pod).flatMap((c) => c.volumeMounts ?? [])) assert.ok(pod.volumes?.some((v) => v.name === m.name), `${kind}: mount ${m.name} has a volume`);
    }
    assert.equal(settings.MODEL_WATCH, 'true', 'replicas follow promotions');
  });

  test('both run the image Compose builds, non-root with a read-only root file system', () => {
    const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
    assert.match(dockerfile, /^USER node$/m, `the image runs as node (uid ${MODELWATCH_IMAGE.uid} in the official Node image)`);
    assert.match(dockerfile, /^ENTRYPOINT \[.*"bin\/modelwatch\.js"\]$/m, 'container args go to the modelwatch CLI');
    for (const [kind, pod] of pods) {
      assert.equal(pod.containers[0].image, composeFile().services.modelwatch.image, kind);
      assert.equal(pod.securityContext?.runAsNonRoot, true, kind);
      assert.equal(pod.securityContext?.runAsUser, MODELWATCH_IMAGE.uid, kind);
      for (const container of containers(pod)) {
        assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${kind}/${container.name}`);
        assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${kind}/${container.name}`);
        assert.ok(container.resources?.requests && container.resources.limits?.memory, `${kind}/${container.name} has requests and a memory limit`);
        assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/tmp'), `${kind}/${container.name}: /tmp is writable`);
      }
    }
    assert.deepEqual(serverPod.containers[0].args, ['serve']);
  });

  test('ports and probes match the service: PORT, the Service, and real routes', async () => {
    const container = serverPod.containers[0];
    const port = container.ports!.find((p) => p.name === service.spec!.ports![0].targetPort);
    assert.ok(port, "the Service's targetPort names a container port");
    assert.equal(port.containerPort, Number(settings.PORT));
    assert.equal(service.spec!.ports![0].port, Number(settings.PORT), 'in-cluster address modelwatch:5000, as in Compose');
    assert.equal(service.metadata!.name, 'modelwatch');
    assert.equal(container.readinessProbe?.httpGet?.path, PROBE_PATHS.ready);
    assert.equal(container.livenessProbe?.httpGet?.path, PROBE_PATHS.health);
    assert.equal(container.startupProbe?.httpGet?.path, PROBE_PATHS.health);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) assert.equal(probe?.httpGet?.port, port.name);
    // The routes answer as the probes expect: /health always, /ready only once a model is loaded.
    const loading = await testApp({}, { noModel: true });
    assert.equal((await loading.app.inject({ method: 'GET', url: PROBE_PATHS.health })).statusCode, 200);
    assert.equal((await loading.app.inject({ method: 'GET', url: PROBE_PATHS.ready })).statusCode, 503);
    await loading.app.close();
    const serving = await testApp();
    assert.equal((await serving.app.inject({ method: 'GET', url: PROBE_PATHS.ready })).statusCode, 200);
    assert.equal((await serving.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
    await serving.app.close();
  });

  test('the CronJob runs a command the real CLI accepts, daily, one run at a time, on the mounted data', () => {
    const container = pipelinePod.containers[0];
    assert.deepEqual(container.args, [...PIPELINE_ARGS]);
    const flags = parsePipelineArgs(container.args!);
    // Its ECS lines go to stderr, in the container log the Filebeat DaemonSet reads: no --json, no --log-file.
    assert.equal(flags.json, undefined);
    assert.equal(flags.logFile, undefined);
    assert.ok(String(flags.data).startsWith(`${TRAINING_DATA_DIR}/`), '--data is on the training data volume');
    const dataMount = container.volumeMounts!.find((m) => m.mountPath === TRAINING_DATA_DIR);
    assert.equal(dataMount?.readOnly, true);
    // The parser is not lenient: an unknown flag and a missing value are caught.
    assert.deepEqual(pipelineRunCommand().parseOptions(['--data', 'x.csv', '--no-such-flag']).unknown, ['--no-such-flag']);
    assert.equal(cronJob.metadata!.name, 'modelwatch-pipeline');
    assert.match(cronSpec.schedule, /^\d+ \d+ \* \* \*$/, 'once a day');
    assert.equal(cronSpec.concurrencyPolicy, 'Forbid');
    const job = cronSpec.jobTemplate.spec!;
    assert.ok(job.backoffLimit !== undefined && job.backoffLimit <= 2);
    assert.equal(pipelinePod.restartPolicy, 'Never');
    // Exit codes 1 (a failed step) and 2 (bad flags) end the Job: a retry would fail the same way.
    const failJob = job.podFailurePolicy?.rules.find((r) => r.action === 'FailJob');
    // 1 a failed step, 2 bad flags, 3 a version the gate rejected: retrying would not change the outcome.
    assert.deepEqual(failJob?.onExitCodes?.values, [1, 2, 3]);
    assert.equal(failJob?.onExitCodes?.containerName, container.name);
    assert.equal(settings.PUSHGATEWAY_URL, 'http://pushgateway:9091');
    // Every run pushes under the CronJob's name, not its pod's (new each run): the next run
    // replaces the last one's Pushgateway group instead of leaving it to keep alerts firing.
    assert.deepEqual(container.env?.find((e) => e.name === 'PIPELINE_INSTANCE'), { name: 'PIPELINE_INSTANCE', value: cronJob.metadata!.name });
  });

  test("the Prometheus scrape jobs are prometheus.yml's modelwatch and gateway jobs, found by Kubernetes discovery", () => {
    const scrapeMap = find<IConfigMap>('ConfigMap', NAMES.prometheusScrape);
    const scrape = parse(scrapeMap.data![SCRAPE_FILE]) as { scrape_configs: Record<string, unknown>[] };
    type Job = { job_name: string; scrape_interval?: string; metrics_path?: string; relabel_configs?: Record<string, unknown>[] };
    const prometheus = parse(readFileSync(root('deploy/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: Job[] };
    const reference = prometheus.scrape_configs.find((j) => j.job_name === 'modelwatch')!;
    const jobs = scrape.scrape_configs as (Job & { kubernetes_sd_configs: { role: string; namespaces?: { names: string[] } }[] })[];
    assert.deepEqual(jobs.map((j) => j.job_name), ['modelwatch', GATEWAY_JOB]);
    const [job, gateway] = jobs;
    for (const key of ['job_name', 'scrape_interval', 'metrics_path'] as const) assert.equal(job[key], reference[key], key);
    assert.deepEqual(job.relabel_configs!.slice(-reference.relabel_configs!.length), reference.relabel_configs, "001's relabelling, as in prometheus.yml");
    assert.deepEqual(job.kubernetes_sd_configs, [{ role: 'endpoints', namespaces: { names: [NAMESPACE] } }]);
    const keep = (label: string) => job.relabel_configs!.find((r) => r.action === 'keep' && (r.source_labels as string[])[0] === label)?.regex;
    assert.equal(keep('__meta_kubernetes_service_label_app_kubernetes_io_name'), service.metadata!.labels!['app.kubernetes.io/name']);
    assert.equal(keep('__meta_kubernetes_endpoint_port_name'), service.spec!.ports![0].name);
    // The gateways: prometheus.yml's gateway job (its path under the gateway's prefix), found in any
    // namespace by the label on their Service.
    const gatewayReference = prometheus.scrape_configs.find((j) => j.job_name === GATEWAY_JOB)!;
    for (const key of ['job_name', 'scrape_interval', 'metrics_path'] as const) assert.equal(gateway[key], gatewayReference[key], key);
    assert.equal(gateway.metrics_path, '/-/modelwatch/metrics');
    assert.deepEqual(gateway.kubernetes_sd_configs, [{ role: 'endpoints' }]);
    assert.equal(gateway.relabel_configs!.find((r) => r.action === 'keep' && (r.source_labels as string[])[0] === '__meta_kubernetes_service_label_modelwatch_io_gateway')?.regex, 'true');
  });

  test('promtool check config accepts the scrape job (discovery aside)', () => {
    if (spawnSync('promtool', ['--version']).error) {
      assert.fail("promtool not found: install Debian's prometheus package (apt-get install prometheus); .ci/run does");
    }
    // Debian builds Prometheus without Kubernetes discovery and its promtool (2.42) predates
    // scrape_config_files (2.43): the job is checked as a whole configuration, with a static
    // target in place of kubernetes_sd_configs, so the relabelling is what promtool verifies.
    const scrapeMap = find<IConfigMap>('ConfigMap', NAMES.prometheusScrape);
    const scrape = parse(scrapeMap.data![SCRAPE_FILE]) as { scrape_configs: Record<string, unknown>[] };
    const jobs = scrape.scrape_configs.map(({ kubernetes_sd_configs: _discovery, ...job }) => ({ ...job, static_configs: [{ targets: ['modelwatch:5000'] }] }));
    const dir = tempDir('modelwatch-k8s-scrape-');
    writeFileSync(join(dir, SCRAPE_FILE), stringify({ scrape_configs: jobs }));
    const result = spawnSync('promtool', ['check', 'config', SCRAPE_FILE], { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });
});

describe('log shipping in the cluster: the Filebeat DaemonSet', () => {
  const daemonSet = find<IDaemonSet>('DaemonSet');
  const pod = daemonSet.spec!.template.spec!;
  const filebeat = pod.containers[0];
  const configMap = find<IConfigMap>('ConfigMap', NAMES.filebeat);
  type Input = { paths: string[]; parsers: Record<string, unknown>[]; prospector: { scanner: { exclude_files: string[] } } };
  type Config = { 'filebeat.inputs': Input[]; processors: { drop_event?: { when: { not: { has_fields: string[] } } } }[]; 'output.elasticsearch': { 'ssl.certificate_authorities': string[] } };
  const config = parse(configMap.data![FILEBEAT_CONFIG_KEY]) as Config;
  const mountAt = (path: string) => filebeat.volumeMounts!.find((m) => m.mountPath === path);
  const volume = (name: string) => pod.volumes!.find((v) => v.name === name)!;

  test('reads its configuration from the ConfigMap, and every path it reads from the node, read-only', () => {
    assert.deepEqual(config, JSON.parse(JSON.stringify(kubernetesFilebeatConfig())));
    assert.ok(filebeat.args!.includes(`${FILEBEAT_CONFIG_DIR}/${FILEBEAT_CONFIG_KEY}`));
    assert.equal(volume(mountAt(FILEBEAT_CONFIG_DIR)!.name).configMap?.name, NAMES.filebeat);
    const paths = config['filebeat.inputs'].flatMap((i) => i.paths);
    assert.deepEqual(paths, [CONTAINER_LOG_GLOB]);
    for (const path of paths) {
      const mount = mountAt(posix.dirname(path));
      assert.ok(mount?.readOnly, `${path}: its directory is mounted read-only`);
      assert.equal(volume(mount.name).hostPath?.path, posix.dirname(path), `${path} is the node's`);
    }
    // /var/log/containers holds links into /var/log/pods: both are mounted.
    assert.equal(volume(mountAt(POD_LOG_DIR)!.name).hostPath?.path, POD_LOG_DIR);
    assert.equal(volume(mountAt(posix.dirname(CA_CERT_PATH))!.name).secret?.secretName, NAMES.elasticsearchSecret);
    assert.deepEqual(config['output.elasticsearch']['ssl.certificate_authorities'], [CA_CERT_PATH]);
    const password = filebeat.env!.find((e) => e.name === 'ELASTICSEARCH_PASSWORD');
    assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: NAMES.elasticsearchSecret, key: 'password' });
    assert.equal(filebeat.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(filebeat.securityContext?.capabilities?.drop, ['ALL']);
  });

  test("the container logs it reads are this namespace's: the service's and the pipeline's pods, not its own", () => {
    // The kubelet names each log <pod>_<namespace>_<container>-<id>.log.
    const glob = new RegExp(`^${posix.basename(CONTAINER_LOG_GLOB).replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`);
    const excluded = config['filebeat.inputs'][0].prospector.scanner.exclude_files.map((e) => new RegExp(e));
    const read = (pod: string, container: string) => {
      const file = `${pod}_${NAMESPACE}_${container}-0123456789abcdef.log`;
      return glob.test(file) && !excluded.some((e) => e.test(`${CONTAINER_LOG_DIR}/${file}`));
    };
    assert.ok(read('modelwatch-7d9f-abcde', serverPod.containers[0].name), 'the replicas');
    assert.ok(read('modelwatch-pipeline-2895160-xyz12', pipelinePod.containers[0].name), "the pipeline's Job pods");
    assert.ok(!read('modelwatch-filebeat-q8x7z', filebeat.name), 'not its own');
    assert.ok(!glob.test(`other-0_default_${pipelinePod.containers[0].name}-0123.log`), 'not another namespace');
    for (const object of objects.filter((o) => ['Deployment', 'CronJob'].includes(o.kind))) assert.equal(object.metadata?.namespace, NAMESPACE);
  });

  test("the CronJob's command writes ECS lines to stderr and its summary to stdout; the container log's drop rule keeps the ECS lines only", async () => {
    const dir = tempDir('modelwatch-k8s-logs-');
    const data = join(dir, 'train.csv');
    await writeLabelledCsv(data, generateSynthetic({ rows: 1500, seed: 4 }));
    const args = pipelinePod.containers[0].args!.map((a) => (a.startsWith(`${TRAINING_DATA_DIR}/`) ? data : a));
    // As in the pod: stdout and stderr are pipes, settings from the environment (MODEL_DIR; no Pushgateway here).
    const run = spawnSync(process.execPath, ['--import', 'tsx', root('src/cli/main.ts'), ...args, '--max-iterations', '10'], { encoding: 'utf8', env: { PATH: process.env.PATH, MODEL_DIR: join(dir, 'models') } });
    assert.equal(run.status, 0, run.stderr);
    const keep = config.processors.find((p) => p.drop_event)!.drop_event!.when.not.has_fields;
    const lines = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { message: line };
          }
        });
    // stdout is the result alone; the container log holds both streams, which Filebeat's container parser reads.
    assert.ok(lines(run.stdout).every((l) => !('ecs.version' in l)), `no ECS line on stdout:\n${run.stdout}`);
    assert.deepEqual(config['filebeat.inputs'][0].parsers[0], { container: { stream: 'all', format: 'auto' } });
    const parsed = [...lines(run.stdout), ...lines(run.stderr)];
    const shipped = parsed.filter((l) => keep.every((field) => field in l));
    const dropped = parsed.filter((l) => !keep.every((field) => field in l));
    assert.deepEqual(shipped.filter((l) => l['event.action'] === 'pipeline_step_end').map((l) => l['pipeline.step']), [...STEP_NAMES]);
    assert.ok(shipped.every((l) => l['event.dataset'] === 'ml-pipeline.pipeline' && typeof l['@timestamp'] === 'string'));
    assert.ok(dropped.length > 0 && dropped.every((l) => !('ecs.version' in l)), 'only the readable summary is dropped');
    assert.match(dropped.map((l) => l.message).join('\n'), /pipeline bank-marketing run .*: success/);
  });
});
