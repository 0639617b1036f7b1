/**
 * Building blocks of the Compose file: pinned images, named volumes, health checks, published
 * ports. Each helper returns a fresh object, so the YAML writer never turns a shared one into an
 * anchor and alias.
 */
import { MODELWATCH_IMAGE } from '../modelwatch-image.js';
import type { StackService } from '../services.js';
import { optional } from './variables.js';

/** The Elastic Stack's version: Elasticsearch, Kibana and Filebeat must match. */
export const ELASTIC_VERSION = '8.15.3';

/** Every image, pinned: an upgrade is a reviewed change to this list, never a surprise pull. */
export const IMAGES = {
  modelwatch: MODELWATCH_IMAGE.name,
  prometheus: 'prom/prometheus:v2.53.2',
  alertmanager: 'prom/alertmanager:v0.27.0',
  pushgateway: 'prom/pushgateway:v1.9.0',
  nodeExporter: 'prom/node-exporter:v1.8.2',
  grafana: 'grafana/grafana:11.2.0',
  elasticsearch: `docker.elastic.co/elasticsearch/elasticsearch:${ELASTIC_VERSION}`,
  kibana: `docker.elastic.co/kibana/kibana:${ELASTIC_VERSION}`,
  filebeat: `docker.elastic.co/beats/filebeat:${ELASTIC_VERSION}`,
} as const;

/** Named volumes: everything that must outlive a container. */
export const VOLUMES = {
  models: 'models',
  logs: 'modelwatch-logs',
  prometheus: 'prometheus-data',
  alertmanager: 'alertmanager-data',
  pushgateway: 'pushgateway-data',
  grafana: 'grafana-data',
  elasticsearch: 'elasticsearch-data',
  snapshots: 'elasticsearch-snapshots',
  /** The CA and Elasticsearch's key and certificate: mounted by Elasticsearch and the certs step only. */
  certs: 'elasticsearch-certs',
  /** The CA certificate alone, for the clients: they never see a private key. */
  ca: 'elastic-ca',
  kibana: 'kibana-data',
  filebeat: 'filebeat-data',
} as const;

/** Where the clients of Elasticsearch find the CA certificate, in the ca volume. */
export const CA_FILE_NAME = 'ca.crt';

/** A `depends_on` condition. */
export type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/**
 * `depends_on` in the long form: every dependency says what it waits for.
 *
 * @example dependsOn({ elasticsearch: 'service_healthy' })
 */
export function dependsOn(conditions: Readonly<Record<string, Condition>>): Record<string, { condition: Condition }> {
  return Object.fromEntries(Object.entries(conditions).map(([name, condition]) => [name, { condition }]));
}

/**
 * Compose interpolates `$` in every string; a shell script's own variables are escaped as `$$` so
 * the container's shell expands them (and secrets stay out of the container's command line).
 *
 * @example shell(['echo "$HOME"']) // 'echo "$$HOME"'
 */
export function shell(lines: readonly string[]): string {
  return lines.join('\n').replaceAll('$', () => '$$');
}

/**
 * A shell health check. Tools differ per image: busybox `wget` in the prom/* and Grafana (Alpine)
 * images, `curl` in Elastic's, `node` in modelwatch's slim image.
 *
 * @example healthcheck('wget -q --spider http://localhost:9090/-/healthy')
 */
export function healthcheck(command: string, options: { interval?: string; retries?: number; startPeriod?: string } = {}) {
  return {
    test: ['CMD-SHELL', shell([command])],
    interval: options.interval ?? '15s',
    timeout: '10s',
    retries: options.retries ?? 5,
    start_period: options.startPeriod ?? '30s',
  };
}

/**
 * What every long-running service shares: restart after a crash or reboot, and bounded container
 * logs (Docker's json-file driver keeps everything otherwise).
 */
export function longRunning() {
  return { restart: 'unless-stopped', logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } } };
}

/**
 * A one-shot container: runs to completion once per `up`; dependents wait for
 * `service_completed_successfully`. No `restart` key: its default is "no", and the YAML writer's
 * bare `no` would be read as false by Compose's YAML 1.1 parser.
 */
export function oneShot() {
  return {};
}

/**
 * The port a service listens on, for its peers (`expose`) and published on PUBLISH_ADDRESS
 * (loopback unless the operator opens it).
 *
 * @example ports(STACK_SERVICES.grafana) // { expose: ['3000'], ports: ['${PUBLISH_ADDRESS:-127.0.0.1}:3000:3000'] }
 */
export function ports(service: StackService, publish = true): { expose: string[]; ports?: string[] } {
  const port = String(service.port);
  return publish ? { expose: [port], ports: [`${optional('PUBLISH_ADDRESS')}:${port}:${port}`] } : { expose: [port] };
}

/**
 * A generated file or directory of deploy/, bind-mounted read-only; Compose resolves the path from
 * deploy/compose/.
 *
 * @example generatedFile('prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml')
 */
export function generatedFile(pathUnderDeploy: string, target: string): string {
  return `../${pathUnderDeploy}:${target}:ro`;
}

/**
 * A named volume mounted at `target`.
 *
 * @example volume(VOLUMES.models, '/var/lib/modelwatch/models')
 */
export function volume(name: (typeof VOLUMES)[keyof typeof VOLUMES], target: string, readOnly = false): string {
  return `${name}:${target}${readOnly ? ':ro' : ''}`;
}
