/**
 * `modelwatch setup elasticsearch`: installs the ILM policy and then the index template of
 * deploy/elasticsearch/ (the template names the policy, so the policy goes first), through the
 * official client. Each is read first and written only when missing or different.
 *
 * The client is the 8.x line: it speaks to Elasticsearch 8 and, through REST compatibility, 9; a
 * 9.x client would be refused by an 8.x cluster.
 */
import { Client, errors } from '@elastic/elasticsearch';
import { generateElasticsearch, ILM_POLICY, INDEX_PATTERN } from '../stack/elasticsearch/generate.js';
import { ensure, type Applied, type OnApplied, type SetupConnection } from './connection.js';
import { contains } from './contains.js';
import { answerError, unreachable, type Step } from './http-errors.js';
import { SetupFailedError } from '../errors.js';

/** The index template's name: the pattern without its wildcard (`ml-pipeline`). */
export const INDEX_TEMPLATE = INDEX_PATTERN.replace(/-?\*$/, '');

/** Index settings as flat `index.*` keys: the template says `number_of_shards`, the cluster answers `{ index: { number_of_shards: "1" } }`. */
function flatSettings(settings: Record<string, unknown> = {}, prefix = ''): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const path = prefix ? `${prefix}.${key}` : key === 'index' || key.startsWith('index.') ? key : `index.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(flat, flatSettings(value as Record<string, unknown>, path));
    else flat[path] = value;
  }
  return flat;
}

interface Template {
  index_patterns: string[];
  priority?: number;
  _meta?: Record<string, unknown>;
  template: { settings?: Record<string, unknown>; mappings?: Record<string, unknown> };
}

const sameTemplate = (current: Template, ours: Template): boolean =>
  contains(current, { ...ours, template: { mappings: ours.template.mappings } }) && contains(flatSettings(current.template?.settings), flatSettings(ours.template.settings));

/**
 * Applies the ILM policy and the index template; returns what each did.
 *
 * @example await setupElasticsearch({ url: 'https://localhost:9200', username: 'elastic', password, timeoutSeconds: 30 })
 */
export async function setupElasticsearch(conn: SetupConnection, onApplied: OnApplied = () => {}): Promise<Applied[]> {
  const files = generateElasticsearch();
  const policy = (JSON.parse(files['ilm-policy.json']) as { policy: Record<string, unknown> }).policy;
  const template = JSON.parse(files['index-template.json']) as Template;
  const client = new Client({
    node: conn.url,
    ...(conn.password !== undefined ? { auth: { username: conn.username, password: conn.password } } : {}),
    ...(conn.ca ? { tls: { ca: conn.ca } } : {}),
    requestTimeout: conn.timeoutSeconds * 1000,
    // A setup is run by hand or by a deploy step that retries as a whole: fail fast and say why.
    maxRetries: 0,
  });
  const step = (action: string, privilege: string): Step => ({ service: 'Elasticsearch', url: conn.url, username: conn.username, action, privilege });

  /** Runs one call; a 404 is "there is none" where `missingOk`, any other failure a setup error. */
  async function call<T>(s: Step, run: () => Promise<T>, missingOk = false): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        if (missingOk && error.statusCode === 404) return undefined;
        const body = error.body as { error?: { reason?: string } | string } | undefined;
        const reason = typeof body?.error === 'string' ? body.error : (body?.error?.reason ?? error.message);
        throw answerError(s, error.statusCode ?? 0, reason);
      }
      if (error instanceof errors.ProductNotSupportedError) throw new SetupFailedError('Elasticsearch', s.action, `the server at ${conn.url} is not Elasticsearch (no x-elastic-product header)`);
      if (error instanceof errors.ConnectionError || error instanceof errors.TimeoutError) throw unreachable(s, error, conn.timeoutSeconds);
      throw error;
    }
  }

  try {
    const applied: Applied[] = [];
    const readIlm = step(`read the ILM policy ${ILM_POLICY}`, 'the read_ilm (or manage_ilm) cluster privilege');
    const writeIlm = step(`write the ILM policy ${ILM_POLICY}`, 'the manage_ilm cluster privilege');
    applied.push(
      await ensure({
        kind: 'ilm-policy',
        id: ILM_POLICY,
        title: ILM_POLICY,
        read: async () => (await call(readIlm, () => client.ilm.getLifecycle({ name: ILM_POLICY }), true))?.[ILM_POLICY]?.policy,
        same: (current) => contains(current, policy),
        write: async () => void (await call(writeIlm, () => client.ilm.putLifecycle({ name: ILM_POLICY, policy: policy as never }))),
      }),
    );
    onApplied(applied[0]);
    const readTemplate = step(`read the index template ${INDEX_TEMPLATE}`, 'the manage_index_templates (or monitor) cluster privilege');
    const writeTemplate = step(`write the index template ${INDEX_TEMPLATE}`, 'the manage_index_templates cluster privilege');
    applied.push(
      await ensure({
        kind: 'index-template',
        id: INDEX_TEMPLATE,
        title: `${INDEX_TEMPLATE} (${INDEX_PATTERN})`,
        read: async () => (await call(readTemplate, () => client.indices.getIndexTemplate({ name: INDEX_TEMPLATE }), true))?.index_templates?.[0]?.index_template as Template | undefined,
        same: (current) => sameTemplate(current, template),
        write: async () => void (await call(writeTemplate, () => client.indices.putIndexTemplate({ name: INDEX_TEMPLATE, ...(template as object) }))),
      }),
    );
    onApplied(applied[1]);
    return applied;
  } finally {
    await client.close();
  }
}
