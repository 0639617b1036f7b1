/**
 * How POST /feedback reads `actual`, by the serving model's task: what the service stores and
 * scores is a class index (0..C−1) for a classifier, the true value for a regression.
 *
 * - binary: 0 or 1 (the class index), or a class name (`schema.classes`, e.g. "no" / "yes"); "no"
 *   and "yes" are also read as 0 and 1 for any binary model whose classes do not use those names
 *   (every client written for the bank-marketing model keeps working);
 * - multiclass: a JSON string is a class name, a JSON number a class index (so a class named "1"
 *   is sent as "1", its index as a number);
 * - regression: any finite JSON number.
 */
import type { ModelSchema } from '../data/model-schema.js';
import { echoValue, type InputProblem } from '../errors.js';

/** Reads one `actual`: the label as stored, or the problem with it. */
export type LabelReader = (actual: unknown, field: string) => { ok: true; actual: number } | { ok: false; problem: InputProblem };

/** What a model's `actual` accepts, in words (for problems and docs). */
export function expectedActual(schema: Pick<ModelSchema, 'task' | 'classes'>): string {
  const { task, classes } = schema;
  if (task === 'regression') return 'a finite number (the true value)';
  if (task === 'binary') return `0, 1, ${JSON.stringify(classes[0])} or ${JSON.stringify(classes[1])}`;
  const named = classes.length <= 6 ? classes.map((c) => JSON.stringify(c)).join(', ') : `${classes.slice(0, 5).map((c) => JSON.stringify(c)).join(', ')}, …`;
  return `a class name (${named}) or a class index 0..${classes.length - 1}`;
}

const readers = new WeakMap<object, LabelReader>();

/**
 * The label reader of a model's schema (built once per schema).
 *
 * @example labelReader(model.schema)('yes', 'actual') // { ok: true, actual: 1 } for the bank model
 */
export function labelReader(schema: Pick<ModelSchema, 'task' | 'classes'>): LabelReader {
  let reader = readers.get(schema);
  if (reader) return reader;
  const expected = expectedActual(schema);
  const wrongType = (field: string, actual: unknown): InputProblem => ({ field, reason: 'wrong_type', expected, got: echoValue(actual) });
  if (schema.task === 'regression') {
    reader = (actual, field) =>
      typeof actual === 'number' && Number.isFinite(actual) ? { ok: true, actual } : { ok: false, problem: wrongType(field, actual) };
  } else {
    const byName = new Map<unknown, number>();
    if (schema.task === 'binary' && !schema.classes.includes('no') && !schema.classes.includes('yes')) {
      byName.set('no', 0);
      byName.set('yes', 1);
    }
    schema.classes.forEach((name, index) => byName.set(name, index));
    const classes = schema.classes.length;
    // A binary model's bad label was always a wrong_type; a multiclass model's says more.
    const binary = schema.task === 'binary';
    reader = (actual, field) => {
      if (typeof actual === 'number') {
        if (Number.isInteger(actual) && actual >= 0 && actual < classes) return { ok: true, actual };
        return { ok: false, problem: { field, reason: !binary && Number.isInteger(actual) ? 'out_of_range' : 'wrong_type', expected, got: echoValue(actual) } };
      }
      const index = typeof actual === 'string' ? byName.get(actual) : undefined;
      if (index !== undefined) return { ok: true, actual: index };
      return { ok: false, problem: { field, reason: !binary && typeof actual === 'string' ? 'unknown_category' : 'wrong_type', expected, got: echoValue(actual) } };
    };
  }
  readers.set(schema, reader);
  return reader;
}
