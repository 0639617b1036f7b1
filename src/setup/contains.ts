/**
 * Whether what a server holds already says what we would write. Servers add to what they are
 * given (Elasticsearch adds `min_age: "0ms"` to a phase, Kibana adds attributes when it migrates an
 * object) and answer some values as text, so "the same" means: every value we set is there, equal.
 */

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * True when `actual` has every key of `expected` with an equal value, recursively. Arrays must have
 * the same length; strings that both hold JSON objects (Kibana's panelsJSON, searchSourceJSON) are
 * compared as what they hold; scalars compare by their text, because Elasticsearch answers
 * `number_of_shards: 1` as "1" and `dynamic: false` as "false".
 *
 * @example contains({ a: 1, b: '2', c: 3 }, { a: 1, b: 2 }) // true
 */
export function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((value, i) => contains(actual[i], value));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([key, value]) => contains((actual as Record<string, unknown>)[key], value));
  }
  if (typeof expected === 'string' && typeof actual === 'string' && expected !== actual) {
    const [want, got] = [parseJson(expected), parseJson(actual)];
    return want !== null && typeof want === 'object' && contains(got, want);
  }
  if (actual === undefined || actual === null || expected === undefined || expected === null) return actual === expected;
  return String(actual) === String(expected);
}
