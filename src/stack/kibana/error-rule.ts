/**
 * 000's Kibana rule: an "Elasticsearch query" rule on `ml-pipeline-*` that fires when more than 5
 * lines at level ERROR arrive within 5 minutes. Rules are not saved objects one can import: they
 * are created with `POST /api/alerting/rule/<id>` and changed with `PUT` on the same path, so the
 * file holds the create body and the id is fixed here.
 */
import { INDEX_PATTERN } from '../elasticsearch/generate.js';
import { TIME_FIELD } from './saved-objects.js';

/**
 * The rule's id. Kibana takes a caller's id only if it is a UUID (v1 or v4); a fixed one makes
 * `modelwatch setup kibana` update the rule instead of adding a second one.
 */
export const ERROR_RULE_ID = '47dc0d7e-9ef0-4209-938f-d1406a5c8d90';

/** More than this many ERROR lines … */
export const ERROR_RULE_THRESHOLD = 5;
/** … within this many minutes fire the rule. */
export const ERROR_RULE_WINDOW_MINUTES = 5;

/** The fields `PUT /api/alerting/rule/<id>` accepts (it refuses rule_type_id, consumer, enabled). */
export const UPDATABLE_RULE_FIELDS = ['name', 'tags', 'schedule', 'params', 'actions'] as const;

/**
 * The body of `POST /api/alerting/rule/<ERROR_RULE_ID>`.
 *
 * @example errorRule().params.threshold // [5]
 */
export function errorRule() {
  return {
    name: 'ML Pipeline Errors',
    tags: ['modelwatch'],
    rule_type_id: '.es-query',
    consumer: 'alerts',
    enabled: true,
    schedule: { interval: '1m' },
    // No connector is assumed: the rule shows in Stack Management > Rules and in alerts; add an
    // action there (or here) to be notified.
    actions: [],
    params: {
      searchType: 'esQuery',
      index: [INDEX_PATTERN],
      timeField: TIME_FIELD,
      // `level` is a keyword holding the upper-case level, so a term query is 000's `level:ERROR`.
      esQuery: JSON.stringify({ query: { term: { level: 'ERROR' } } }),
      aggType: 'count',
      groupBy: 'all',
      thresholdComparator: '>',
      threshold: [ERROR_RULE_THRESHOLD],
      timeWindowSize: ERROR_RULE_WINDOW_MINUTES,
      timeWindowUnit: 'm',
      size: 100,
      // Count every ERROR line of the window at each run, not only those newer than the last run's,
      // so the rule means "more than 5 in the last 5 minutes" as 000 says.
      excludeHitsFromPreviousRun: false,
    },
  };
}

/** The create body of the rule. */
export type ErrorRule = ReturnType<typeof errorRule>;
