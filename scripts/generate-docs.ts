/** Regenerates the documents that come from code: `npm run docs`. */
import { writeFileSync } from 'node:fs';
import { renderSettingsDoc } from '../src/docs/settings-table.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderSettingsDoc());
console.error('wrote docs/configuration.md');
