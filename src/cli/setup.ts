/**
 * `modelwatch setup elasticsearch|kibana`: applies the generated ILM policy, index template and write alias, or
 * the Kibana saved objects and error rule, to a running server. Safe to run again: each object is
 * reported as created, updated or unchanged. A server that cannot be reached, refused credentials
 * or a missing privilege exit with code 1 and a message saying which; bad flags exit with 2.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseNumberOption, parseUrlOption, usageError } from './options.js';
import type { Applied, OnApplied, SetupConnection } from '../setup/connection.js';
import { setupElasticsearch } from '../setup/elasticsearch.js';
import { setupKibana } from '../setup/kibana.js';

interface SetupOptions {
  url: string;
  username: string;
  password?: string;
  ca?: Buffer;
  timeout: number;
  json?: boolean;
}

/** Reads `--ca` when the flags are parsed, so a wrong path is a usage error naming it. */
function parseCaOption(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw usageError(`--ca: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

const summary = (applied: readonly Applied[]) =>
  (['created', 'updated', 'unchanged'] as const)
    .map((outcome) => [outcome, applied.filter((a) => a.outcome === outcome).length] as const)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');

interface Target {
  readonly name: 'elasticsearch' | 'kibana';
  readonly service: string;
  readonly urlEnv: string;
  readonly description: string;
  readonly example: string;
  readonly run: (conn: SetupConnection, onApplied: OnApplied) => Promise<Applied[]>;
}

const TARGETS: readonly Target[] = [
  {
    name: 'elasticsearch',
    service: 'Elasticsearch',
    urlEnv: 'ELASTICSEARCH_URL',
    description: 'Install the ILM policy and the ml-pipeline-* index template of deploy/elasticsearch/, and create the write alias ml-pipeline with its first index (run it before Filebeat ships a line).',
    example: 'ELASTICSEARCH_PASSWORD=… modelwatch setup elasticsearch --url https://localhost:9200 --ca certs/ca/ca.crt',
    run: setupElasticsearch,
  },
  {
    name: 'kibana',
    service: 'Kibana',
    urlEnv: 'KIBANA_URL',
    description:
      'Import the "ML Pipeline Logs" data view, visualisations, dashboard and low-confidence search of deploy/kibana/, and create or update the error rule (more than 5 ERROR lines in 5 minutes).',
    example: 'ELASTICSEARCH_PASSWORD=… modelwatch setup kibana --url http://localhost:5601',
    run: setupKibana,
  },
];

function registerTarget(setup: Command, target: Target): void {
  setup
    .command(target.name)
    .description(target.description)
    .addOption(new Option('--url <url>', `${target.service} base URL`).env(target.urlEnv).argParser(parseUrlOption('--url', ['http:', 'https:'])).makeOptionMandatory())
    .addOption(new Option('--username <name>', 'user to authenticate as').env('ELASTICSEARCH_USERNAME').default('elastic'))
    .addOption(new Option('--password <password>', 'its password (prefer the environment variable: flags show in the process list)').env('ELASTICSEARCH_PASSWORD'))
    .addOption(new Option('--ca <file>', 'PEM file of the CA that signed the server certificate (https)').argParser(parseCaOption))
    .addOption(new Option('--timeout <seconds>', 'per request').argParser(parseNumberOption('--timeout', 1, 600)).default(30))
    .option('--json', 'print one JSON object listing each object and what was done to it')
    .addHelpText('after', `\nExample:\n  ${target.example}\n\nEach object is read first and written only if missing or different: running it again reports "unchanged".`)
    .action(async (opts: SetupOptions) => {
      const conn: SetupConnection = { url: opts.url, username: opts.username, password: opts.password, ca: opts.ca, timeoutSeconds: opts.timeout };
      const print: OnApplied = opts.json ? () => {} : (a) => process.stdout.write(`${a.kind} ${a.title}: ${a.outcome}\n`);
      const applied = await target.run(conn, print);
      if (opts.json) process.stdout.write(`${JSON.stringify({ target: target.name, url: opts.url, objects: applied })}\n`);
      else process.stdout.write(`${target.service} at ${opts.url}: ${summary(applied)}\n`);
    });
}

/**
 * Adds `setup elasticsearch` and `setup kibana` to a commander program.
 *
 * @example registerSetupCommand(program); // modelwatch setup kibana --url http://localhost:5601
 */
export function registerSetupCommand(program: Command): void {
  const setup = program
    .command('setup')
    .description('Install the generated log objects into a running Elasticsearch or Kibana, idempotently.');
  for (const target of TARGETS) registerTarget(setup, target);
}
