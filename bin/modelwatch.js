#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (`npm run build`).
// An older Node fails deep inside a dependency with a stack trace; say what to do instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`modelwatch needs Node.js 24 or later (the LTS line); this is ${process.version}. Install Node 24 (https://nodejs.org, or \`nvm install 24\`: the repository's .nvmrc names it) and run again.`);
  process.exit(1);
}
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli')) {
    console.error('modelwatch is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  throw err;
});
