/**
 * The last step of `modelwatch setup elasticsearch`: the write alias Filebeat writes to, created
 * once with its first index (`PUT /<ml-pipeline-{now/d}-000001>` with the alias as write index).
 * After that ILM owns the alias, rolling it over to new indices, so a later run only checks that it
 * is there and still has a write index: it never creates a second first index.
 */
import type { estypes } from '@elastic/elasticsearch';
import { SetupFailedError } from '../errors.js';
import { BOOTSTRAP_INDEX, WRITE_ALIAS } from '../stack/elasticsearch/generate.js';
import type { Applied } from './connection.js';
import type { ElasticSetupClient } from './elastic-client.js';

const PRIVILEGE_SCOPE = `on ${WRITE_ALIAS}*`;

/** The index the alias writes to: the one marked so, or its only index (Elasticsearch writes there too). */
function writeIndexOf(found: estypes.IndicesGetAliasResponse): string | undefined {
  const indices = Object.keys(found);
  return indices.find((index) => found[index].aliases?.[WRITE_ALIAS]?.is_write_index === true) ?? (indices.length === 1 ? indices[0] : undefined);
}

/**
 * Creates the alias and its first index when the alias is missing; reports `unchanged` when it
 * exists. Fails, saying what to do, when a plain index holds the alias's name or the alias has no
 * write index.
 *
 * @example await ensureWriteAlias(es, { aliases: { 'ml-pipeline': { is_write_index: true } } })
 */
export async function ensureWriteAlias(es: ElasticSetupClient, body: { aliases: Record<string, { is_write_index?: boolean }> }): Promise<Applied> {
  const applied = (index: string, outcome: Applied['outcome']): Applied => ({ kind: 'write-alias', id: WRITE_ALIAS, title: `${WRITE_ALIAS} (write index ${index})`, outcome });
  const read = es.step(`read the alias ${WRITE_ALIAS}`, `the view_index_metadata index privilege ${PRIVILEGE_SCOPE}`);
  const found = await es.call(read, () => es.client.indices.getAlias({ name: WRITE_ALIAS }), true);
  if (found) {
    const index = writeIndexOf(found);
    if (index) return applied(index, 'unchanged');
    const indices = Object.keys(found).sort();
    throw new SetupFailedError('Elasticsearch', `check the alias ${WRITE_ALIAS}`, `it points to ${indices.join(', ')} and none is its write index, so Filebeat cannot write to it; make the newest its write index (POST /_aliases {"actions":[{"add":{"index":"${indices.at(-1)}","alias":"${WRITE_ALIAS}","is_write_index":true}}]}) and run setup again`);
  }
  // No alias: is the name taken by an index (or data stream)? HEAD answers 200 for either. That is
  // what a Filebeat that shipped before this setup leaves behind: Elasticsearch auto-creates a plain
  // index for a name it does not know, with none of our mappings or lifecycle.
  const check = es.step(`check for an index named ${WRITE_ALIAS}`, `the view_index_metadata index privilege ${PRIVILEGE_SCOPE}`);
  if (await es.call(check, () => es.client.indices.exists({ index: WRITE_ALIAS }))) {
    throw new SetupFailedError(
      'Elasticsearch',
      `create the write alias ${WRITE_ALIAS}`,
      `an index named ${WRITE_ALIAS} is in its place (did Filebeat ship before setup ran?); stop Filebeat, delete that index (DELETE /${WRITE_ALIAS}; to keep its lines, reindex them first, see docs/stack.md) and run setup again`,
    );
  }
  const create = es.step(`create the index ${BOOTSTRAP_INDEX} behind the write alias ${WRITE_ALIAS}`, `the create_index and manage index privileges ${PRIVILEGE_SCOPE}`);
  // The client URL-encodes the name: PUT /%3Cml-pipeline-%7Bnow%2Fd%7D-000001%3E.
  const created = await es.call(create, () => es.client.indices.create({ index: BOOTSTRAP_INDEX, aliases: body.aliases }));
  return applied(created?.index ?? BOOTSTRAP_INDEX, 'created');
}
