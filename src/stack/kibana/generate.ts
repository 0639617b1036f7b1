/**
 * Kibana: the saved objects (data view, 000's visualisations and dashboard, 001's low-confidence
 * search) as the NDJSON file `POST /api/saved_objects/_import?overwrite=true` takes, and 000's
 * error rule as the body of `POST /api/alerting/rule/<id>`. `modelwatch setup kibana` applies both
 * through those APIs; the files are for reading, diffing and applying by hand.
 */
import { errorRule } from './error-rule.js';
import { kibanaSavedObjects } from './saved-objects.js';

/**
 * The generated files, by path under deploy/kibana/.
 *
 * @example generateKibana()['saved-objects.ndjson'].split('\n').length // 8 (7 objects and a final newline)
 */
export function generateKibana(): Record<string, string> {
  return {
    // NDJSON has no comments: the "generated, do not edit" note is in docs/stack.md.
    'saved-objects.ndjson': kibanaSavedObjects().map((object) => `${JSON.stringify(object)}\n`).join(''),
    'error-rule.json': `${JSON.stringify(errorRule(), null, 2)}\n`,
  };
}
