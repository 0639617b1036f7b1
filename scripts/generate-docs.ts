/** Regenerates the documents that come from code: `npm run docs`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { DOCS_WITH_REGIONS, fillRegions } from '../src/docs/generated-regions.js';
import { renderSettingsDoc } from '../src/docs/settings-table.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderSettingsDoc());
console.error('wrote docs/configuration.md');

// Alert counts and lists inside hand-written docs: only the marked regions are rewritten.
for (const path of DOCS_WITH_REGIONS) {
  const url = new URL(`../${path}`, import.meta.url);
  const before = readFileSync(url, 'utf8');
  const after = fillRegions(before);
  if (after !== before) writeFileSync(url, after);
  console.error(`${after === before ? 'unchanged' : 'wrote'} ${path} (generated regions)`);
}
