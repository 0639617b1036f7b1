/**
 * `modelwatch setup kibana`: installs the saved objects of deploy/kibana/saved-objects.ndjson
 * through the saved-objects import API, then 000's error rule through the alerting API.
 *
 * Saved objects are read first (`_bulk_get`) and only the missing or different ones are imported,
 * with `overwrite=true` so a changed object replaces the old one under the same id. The rule is
 * read by its fixed id, created with POST when missing and replaced with PUT when different.
 */
import { FormData } from 'undici';
import { SetupFailedError } from '../errors.js';
import { ERROR_RULE_ID, errorRule, UPDATABLE_RULE_FIELDS } from '../stack/kibana/error-rule.js';
import { kibanaSavedObjects, type SavedObject, type SavedObjectReference } from '../stack/kibana/saved-objects.js';
import { ensure, type Applied, type OnApplied, type Outcome, type SetupConnection } from './connection.js';
import { contains } from './contains.js';
import { kibanaClient, type KibanaClient } from './kibana-http.js';

const OBJECTS_PRIVILEGE = 'the All privilege on Saved Objects Management (or on Discover, Visualize Library and Dashboard)';
const RULES_PRIVILEGE = 'the All privilege on Stack Rules (Management > Rules)';

/** A saved object as `_bulk_get` answers it: the object, or an error (404 when it does not exist). */
interface StoredObject {
  readonly id: string;
  readonly type: string;
  readonly attributes?: Record<string, unknown>;
  readonly references?: readonly SavedObjectReference[];
  readonly error?: { statusCode: number; message?: string };
}

const referenceKey = (r: SavedObjectReference) => `${r.name}|${r.type}|${r.id}`;
const sameReferences = (a: readonly SavedObjectReference[] = [], b: readonly SavedObjectReference[]) =>
  a.length === b.length && a.map(referenceKey).sort().join('\n') === b.map(referenceKey).sort().join('\n');

const titleOf = (object: SavedObject) => String(object.attributes.title);

/** What each saved object needs: created when Kibana has none, updated when it differs. */
async function savedObjectOutcomes(kibana: KibanaClient, objects: readonly SavedObject[]): Promise<Outcome[]> {
  const { body } = await kibana.request(
    { action: 'read the saved objects', privilege: OBJECTS_PRIVILEGE },
    'POST',
    'api/saved_objects/_bulk_get',
    objects.map(({ type, id }) => ({ type, id })),
  );
  const stored = (body as { saved_objects?: StoredObject[] }).saved_objects ?? [];
  return objects.map((object) => {
    const current = stored.find((s) => s.id === object.id && s.type === object.type);
    if (!current || current.error?.statusCode === 404) return 'created';
    if (current.error) throw new SetupFailedError('Kibana', `read ${object.type} ${object.id}`, current.error.message ?? `HTTP ${current.error.statusCode}`);
    return contains(current.attributes, object.attributes) && sameReferences(current.references, object.references) ? 'unchanged' : 'updated';
  });
}

/** Imports `objects` (overwriting those with the same ids) and checks Kibana took every one. */
async function importObjects(kibana: KibanaClient, objects: readonly SavedObject[]): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob(objects.map((o) => `${JSON.stringify(o)}\n`), { type: 'application/ndjson' }), 'saved-objects.ndjson');
  const action = 'import the saved objects';
  const { body } = await kibana.request({ action, privilege: OBJECTS_PRIVILEGE }, 'POST', 'api/saved_objects/_import?overwrite=true', form);
  const result = body as { success?: boolean; successCount?: number; errors?: { type: string; id: string; error?: { type?: string; references?: { type: string; id: string }[]; message?: string } }[] };
  if (result.success && result.successCount === objects.length) return;
  const problems = (result.errors ?? []).map(({ type, id, error }) => {
    const missing = error?.references?.map((r) => `${r.type} ${r.id}`).join(', ');
    return `${type} ${id}: ${error?.type ?? 'error'}${missing ? ` (${missing})` : ''}${error?.message ? ` ${error.message}` : ''}`;
  });
  throw new SetupFailedError('Kibana', action, problems.length ? problems.join('; ') : `${result.successCount ?? 0} of ${objects.length} imported`);
}

/** The fields of a rule that PUT accepts. */
const updatable = (rule: Record<string, unknown>) => Object.fromEntries(UPDATABLE_RULE_FIELDS.filter((key) => key in rule).map((key) => [key, rule[key]]));

/** Creates or replaces the error rule. */
async function applyRule(kibana: KibanaClient): Promise<Applied> {
  const rule = errorRule();
  const path = `api/alerting/rule/${ERROR_RULE_ID}`;
  return ensure({
    kind: 'rule',
    id: ERROR_RULE_ID,
    title: rule.name,
    read: async () => {
      const { status, body } = await kibana.request({ action: `read the rule ${ERROR_RULE_ID}`, privilege: RULES_PRIVILEGE }, 'GET', path, undefined, true);
      return status === 404 ? undefined : (body as Record<string, unknown>);
    },
    same: (current) => {
      // PUT cannot change a rule's type: a different rule under our id is for a person to remove.
      if (current.rule_type_id !== rule.rule_type_id) throw new SetupFailedError('Kibana', `update the rule ${ERROR_RULE_ID}`, `it is a ${String(current.rule_type_id)} rule, not ${rule.rule_type_id}; delete it in Stack Management > Rules and run again`);
      return contains(current, updatable(rule));
    },
    write: async (exists) => {
      const action = `${exists ? 'update' : 'create'} the rule "${rule.name}"`;
      await kibana.request({ action, privilege: RULES_PRIVILEGE }, exists ? 'PUT' : 'POST', path, exists ? updatable(rule) : rule);
    },
  });
}

/**
 * Applies the saved objects and the error rule; returns what each did, in order.
 *
 * @example await setupKibana({ url: 'https://localhost:5601', username: 'elastic', password, timeoutSeconds: 30 })
 */
export async function setupKibana(conn: SetupConnection, onApplied: OnApplied = () => {}): Promise<Applied[]> {
  const kibana = kibanaClient(conn);
  try {
    const objects = kibanaSavedObjects();
    const outcomes = await savedObjectOutcomes(kibana, objects);
    const changed = objects.filter((_, i) => outcomes[i] !== 'unchanged');
    if (changed.length > 0) await importObjects(kibana, changed);
    const applied: Applied[] = objects.map((object, i) => ({ kind: object.type, id: object.id, title: titleOf(object), outcome: outcomes[i] }));
    applied.forEach((a) => onApplied(a));
    const rule = await applyRule(kibana);
    onApplied(rule);
    return [...applied, rule];
  } finally {
    await kibana.close();
  }
}
