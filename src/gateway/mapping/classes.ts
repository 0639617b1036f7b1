/**
 * How a model server's answers name classes, read one way by both readers of answers —
 * `modelwatch profile` (the reference baseline) and the gateway (live predictions) — so a class the
 * reference counted is the class live traffic is compared with:
 *
 * - a label is a class name: exact (numeric names matched numerically, so `1.0` is class `1`), then
 *   ignoring case; else a class index in the server's class order;
 * - the server's order is the mapping's `classes` when it names them, else the schema's; indexes and
 *   probability lists are read in it and put in the schema's.
 */
import { NUMBER_PATTERN } from '../../data/csv.js';
import { canonicalClass } from '../../data/infer-schema.js';

/**
 * A class name → its index in `classes` (exact, numeric names numerically, then ignoring case).
 *
 * @example classLookup(['no', 'yes'])('Yes') // 1
 */
export function classLookup(classes: readonly string[]): (name: string) => number | undefined {
  const numeric = classes.length > 0 && classes.every((c) => NUMBER_PATTERN.test(c));
  const index = new Map(classes.map((c, i) => [numeric ? canonicalClass(c, true) : c, i]));
  const folded = new Map(classes.map((c, i) => [c.toLowerCase(), i]));
  return (name) => index.get(numeric && NUMBER_PATTERN.test(name) ? canonicalClass(name, true) : name) ?? folded.get(name.toLowerCase());
}

/**
 * For each schema class, its position in the server's order; undefined when the server's classes
 * are not the schema's (another number, or a name the schema lacks).
 *
 * @example classOrder(['no', 'yes'], ['yes', 'no']) // [1, 0]
 */
export function classOrder(schemaClasses: readonly string[], serverClasses: readonly string[]): number[] | undefined {
  const lookup = classLookup(serverClasses);
  const order = schemaClasses.map((c) => lookup(c));
  return serverClasses.length === schemaClasses.length && order.every((i) => i !== undefined) ? (order as number[]) : undefined;
}

/**
 * A label's class in the schema's order: by name first, else as an index in the server's order
 * (`order` from {@link classOrder}); undefined when it is neither.
 *
 * @example classOf(0, classLookup(['no', 'yes']), [1, 0]) // 1: index 0 is "yes" in the server's order
 */
export function classOf(label: string | number, byName: (name: string) => number | undefined, order: readonly number[]): number | undefined {
  const named = byName(String(label));
  if (named !== undefined) return named;
  const index = typeof label === 'number' ? label : NUMBER_PATTERN.test(label) ? Number(label) : Number.NaN;
  if (!Number.isInteger(index) || index < 0 || index >= order.length) return undefined;
  return order.indexOf(index);
}

/**
 * Probabilities in the server's order, put in the schema's.
 *
 * @example inSchemaOrder([0.9, 0.1], [1, 0]) // [0.1, 0.9]
 */
export function inSchemaOrder(probabilities: readonly number[], order: readonly number[]): number[] {
  return order.map((s) => probabilities[s]);
}

/** The order of a server that lists classes as the schema does. */
export const sameOrder = (classes: number): number[] => Array.from({ length: classes }, (_, i) => i);
