/** `npm run stack`: writes every generated deploy/ file from the catalogue in src/stack/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStack } from '../src/stack/index.js';

const deploy = fileURLToPath(new URL('../deploy/', import.meta.url));
for (const [path, text] of Object.entries(generateStack())) {
  const file = join(deploy, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote deploy/${path}`);
}
