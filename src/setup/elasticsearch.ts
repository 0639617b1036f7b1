/**
 * `modelwatch setup elasticsearch`: installs the ILM policy, then the index template of
 * deploy/elasticsearch/ (the template names the policy), then the write alias with its first index
 * (which takes its lifecycle settings from the template, so it comes last), through the official
 * client. The policy and template are read first and written only when missing or different; the
 * alias is created once (see write-alias.ts).
 */
import { generateElasticsearch, ILM_POLICY, INDEX_PATTERN } from '../stack/elasticsearch/generate.js';
import { ensure, type Applied, type OnApplied, type SetupConnection } from './connection.js';
import { contains } from './contains.js';
import { elasticSetupClient } from './elastic-client.js';
import { ensureWriteAlias } from './write-alias.js';

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
 * Applies the ILM policy, the index template and the write alias; returns what each did.
 *
 * @example await setupElasticsearch({ url: 'https://localhost:9200', username: 'elastic', password, timeoutSeconds: 30 })
 */
export async function setupElasticsearch(conn: SetupConnection, onApplied: OnApplied = () => {}): Promise<Applied[]> {
  const files = generateElasticsearch();
  const policy = (JSON.parse(files['ilm-policy.json']) as { policy: Record<string, unknown> }).policy;
  const template = JSON.parse(files['index-template.json']) as Template;
  const bootstrap = JSON.parse(files['bootstrap-index.json']) as Parameters<typeof ensureWriteAlias>[1];
  const es = elasticSetupClient(conn);
  const { client, call, step } = es;
  const applied: Applied[] = [];
  const done = (a: Applied) => {
    applied.push(a);
    onApplied(a);
  };

  try {
    const readIlm = step(`read the ILM policy ${ILM_POLICY}`, 'the read_ilm (or manage_ilm) cluster privilege');
    const writeIlm = step(`write the ILM policy ${ILM_POLICY}`, 'the manage_ilm cluster privilege');
    done(
      await ensure({
        kind: 'ilm-policy',
        id: ILM_POLICY,
        title: ILM_POLICY,
        read: async () => (await call(readIlm, () => client.ilm.getLifecycle({ name: ILM_POLICY }), true))?.[ILM_POLICY]?.policy,
        same: (current) => contains(current, policy),
        write: async () => void (await call(writeIlm, () => client.ilm.putLifecycle({ name: ILM_POLICY, policy: policy as never }))),
      }),
    );
    const readTemplate = step(`read the index template ${INDEX_TEMPLATE}`, 'the manage_index_templates (or monitor) cluster privilege');
    const writeTemplate = step(`write the index template ${INDEX_TEMPLATE}`, 'the manage_index_templates cluster privilege');
    done(
      await ensure({
        kind: 'index-template',
        id: INDEX_TEMPLATE,
        title: `${INDEX_TEMPLATE} (${INDEX_PATTERN})`,
        read: async () => (await call(readTemplate, () => client.indices.getIndexTemplate({ name: INDEX_TEMPLATE }), true))?.index_templates?.[0]?.index_template as Template | undefined,
        same: (current) => sameTemplate(current, template),
        write: async () => void (await call(writeTemplate, () => client.indices.putIndexTemplate({ name: INDEX_TEMPLATE, ...(template as object) }))),
      }),
    );
    done(await ensureWriteAlias(es, bootstrap));
    return applied;
  } finally {
    await es.close();
  }
}
