/**
 * Elasticsearch's date math in index names, as far as modelwatch uses it: `{now/d}` in the default
 * format (yyyy.MM.dd, UTC), e.g. `<ml-pipeline-{now/d}-000001>` → ml-pipeline-2026.11.22-000001.
 * Anything else throws, so a test cannot quietly resolve an expression the way Elasticsearch would not.
 */

/**
 * The index name Elasticsearch creates for `name` at `now`; a name without angle brackets is
 * returned as it is.
 *
 * @example resolveDateMath('<ml-pipeline-{now/d}-000001>', new Date('2026-11-22T23:59:00Z')) // 'ml-pipeline-2026.11.22-000001'
 */
export function resolveDateMath(name: string, now = new Date()): string {
  if (!name.startsWith('<') || !name.endsWith('>')) return name;
  const day = `${now.getUTCFullYear()}.${String(now.getUTCMonth() + 1).padStart(2, '0')}.${String(now.getUTCDate()).padStart(2, '0')}`;
  return name.slice(1, -1).replace(/\{([^}]*)\}/g, (_, expression: string) => {
    if (expression !== 'now/d') throw new Error(`date math {${expression}} is not emulated (only {now/d})`);
    return day;
  });
}
