/**
 * The host name and port of every service of the stack, in one place: Prometheus scrape targets,
 * data source URLs and the Docker Compose service names must agree, and a renamed service must
 * break them all at once (test/stack-compose.test.ts checks the generated files against each other).
 */
import { ConfigSchema } from '../config.js';

/** A service of the stack as its peers reach it: DNS name on the stack's network and port. */
export interface StackService {
  readonly host: string;
  readonly port: number;
}

/**
 * Every service of the stack. The Compose service names are these hosts, so the same names work
 * on one host (Compose) and, as Service names, in a cluster.
 */
export const STACK_SERVICES = {
  /** The service listens on PORT's default, so the image needs no setting to be scraped. */
  modelwatch: { host: 'modelwatch', port: Number(ConfigSchema.properties.PORT.default) },
  prometheus: { host: 'prometheus', port: 9090 },
  alertmanager: { host: 'alertmanager', port: 9093 },
  pushgateway: { host: 'pushgateway', port: 9091 },
  nodeExporter: { host: 'node-exporter', port: 9100 },
  grafana: { host: 'grafana', port: 3000 },
  elasticsearch: { host: 'elasticsearch', port: 9200 },
  kibana: { host: 'kibana', port: 5601 },
  filebeat: { host: 'filebeat', port: 5066 },
} as const satisfies Record<string, StackService>;

/**
 * `host:port` of a service, as a Prometheus target.
 *
 * @example hostPort(STACK_SERVICES.pushgateway) // 'pushgateway:9091'
 */
export function hostPort(service: StackService): string {
  return `${service.host}:${service.port}`;
}

/**
 * The URL a peer uses to reach a service.
 *
 * @example serviceUrl(STACK_SERVICES.elasticsearch, 'https') // 'https://elasticsearch:9200'
 */
export function serviceUrl(service: StackService, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${hostPort(service)}`;
}

/** Elasticsearch inside the stack: security and TLS are on, so always https. */
export const ELASTICSEARCH_URL = serviceUrl(STACK_SERVICES.elasticsearch, 'https');
