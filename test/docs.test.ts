import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { PROMOTION_REJECTED_EXIT_CODE } from '../src/cli/pipeline.js';
import { buildProgram } from '../src/cli/program.js';
import { DOCS_WITH_REGIONS, fillRegions, outsideRegions } from '../src/docs/generated-regions.js';
import { renderSettingsDoc } from '../src/docs/settings-table.js';
import { ALERTS } from '../src/stack/catalogue/alerts.js';
import { ERROR_CODES, NoModelToServeError, REJECTION_REASONS } from '../src/errors.js';
import { describeSettings, loadConfig } from '../src/config.js';
import { createServiceMetrics } from '../src/monitoring/metrics/index.js';
import { createModelMonitor } from '../src/monitoring/model-monitor.js';
import { startService } from '../src/server/serve.js';
import { trainedRegistry } from './helpers/fixtures.js';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');
const file = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/**
 * References to documents a reader of this repository cannot open: numbered source notes
 * ("000_…", "001's buckets"), "the seed" (the material the project started from) and its folder.
 * Docs state a convention and its reason instead.
 */
const CITATIONS: readonly RegExp[] = [/\b00\d(_|'s\b)/, /\bthe seed\b/i, /\bseed's\b/i, /\bseed dashboard\b/i, /seeds\//];

/** Every file a user reads: the README, every doc, and every generated file users deploy (deploy/). */
const STANDALONE_DOCS = [
  'README.md',
  ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(new URL('../deploy/', import.meta.url), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(fileURLToPath(new URL('../', import.meta.url)), join(entry.parentPath, entry.name))),
];

/** Lines of `text` that cite a document the reader does not have, as "file:line: text". */
function citations(name: string, text: string): string[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => CITATIONS.some((re) => re.test(line)))
    .map(({ line, i }) => `${name}:${i + 1}: ${line.trim()}`);
}

/** Every command's --help text, subcommands included. */
function helpTexts(command: Command, path = 'modelwatch'): [string, string][] {
  return [[path, command.helpInformation()], ...command.commands.flatMap((sub) => helpTexts(sub, `${path} ${sub.name()}`))];
}

/** The ```bash blocks of a Markdown section (from its heading to the next heading of the same level). */
function bashBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const level = heading.split(' ')[0];
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^${level} `, 'm'));
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
}
const NUMBER_WORDS = 'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty';
/** "13 alerts", "17 in-process alerts", "thirteen alert rules": a count of alerts. */
const ALERT_COUNT = new RegExp(`\\b(\\d+|${NUMBER_WORDS})\\s+(?:[\\w-]+\\s+){0,2}alert(?:s| rules)\\b`, 'gi');

describe('docs stay in step with the code', () => {
  test('every error code is documented in docs/api.md with its status', () => {
    const api = doc('api.md');
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const row = api.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      assert.ok(row, `${code} has a row in docs/api.md`);
      if (status) assert.ok(row.includes(`| ${status} |`), `${code} documented with status ${status}`);
    }
  });

  test('every rejection reason is documented in docs/api.md', () => {
    const api = doc('api.md');
    for (const reason of REJECTION_REASONS) assert.ok(api.includes(`| \`${reason}\` |`), reason);
  });

  test('every metric family the service registers is documented in docs/metrics.md', async () => {
    const metrics = doc('metrics.md');
    const registry = new Registry();
    createModelMonitor(loadConfig({}), createServiceMetrics({ registry }));
    const own = registry.getMetricsAsArray().map((m) => m.name).filter((n) => !n.startsWith('process_') && !n.startsWith('nodejs_'));
    assert.ok(own.length >= 16);
    for (const name of own) assert.ok(metrics.includes(`| \`${name}\` |`), `${name} documented`);
  });

  test('docs/configuration.md is generated from the config schema (run `npm run docs`)', () => {
    assert.equal(doc('configuration.md'), renderSettingsDoc());
  });

  test('README, docs and --help stand alone: no citation of documents a reader cannot open', () => {
    const found = STANDALONE_DOCS.flatMap((name) => citations(name, file(name)));
    found.push(...helpTexts(buildProgram()).flatMap(([name, text]) => citations(`${name} --help`, text)));
    found.push(...describeSettings().flatMap((s) => citations(`setting ${s.name}`, s.description)));
    assert.deepEqual(found, []);
    // The check itself finds what it is meant to find.
    assert.equal(citations('x', "the bins are 001's buckets\nsee 000_a6e68bdc8b3a3add.txt\nThe seed's request\nseeds/x").length, 4);
  });

  test("README's quickstart runs as written: the feedback it sends joins the prediction it just made", async () => {
    const readme = file('README.md');
    const blocks = bashBlocks(readme, '## Quickstart').filter((block) => block.includes('curl'));
    assert.ok(blocks.some((b) => b.includes('/predict')) && blocks.some((b) => b.includes('/feedback')), 'the quickstart predicts and sends feedback');
    const service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false, MODEL_WATCH: false }));
    try {
      // Blocks run in order in one shell, as a reader pastes them into one terminal (curl ends its
      // output without a newline, a terminal's prompt starts on the next line: `echo` stands in).
      const script = blocks.join('\necho\n').replaceAll('http://localhost:5000', service.url);
      const { stdout } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', script], { timeout: 60_000 });
      const prediction = JSON.parse(stdout.split('\n').find((line) => line.includes('"prediction"'))!) as { request_id: string };
      const feedback = JSON.parse(stdout.split('\n').find((line) => line.includes('"status"'))!) as { request_id: string; status: string };
      assert.equal(feedback.status, 'joined', stdout);
      assert.equal(feedback.request_id, prediction.request_id);
      assert.match(stdout, /ml_predictions_total/, 'the /metrics call answered');
    } finally {
      await service.close();
    }
  });

  test('the exit codes the README documents are the ones the CLI uses, and LICENSE matches package.json', () => {
    const readme = file('README.md');
    assert.match(readme, new RegExp(`^\\| ${PROMOTION_REJECTED_EXIT_CODE} \\| \`pipeline run\`: .*promotion gate rejected`, 'm'));
    assert.match(readme, new RegExp(`^\\| ${NoModelToServeError.EXIT_CODE} \\| \`serve\`: no model to serve`, 'm'));
    const license = file('LICENSE');
    assert.equal((JSON.parse(file('package.json')) as { license: string }).license, 'MIT');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the modelwatch authors\n/);
    assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  });

  test("docs/pipeline.md states pipeline run's exit codes as the CLI uses them, and who moves CURRENT", () => {
    const text = file('docs/pipeline.md').replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`\\*\\*${PROMOTION_REJECTED_EXIT_CODE}\\*\\* the run succeeded but the promotion gate rejected the new version`));
    assert.doesNotMatch(text, /\*\*0\*\*[^*]*promotion gate rejected/, 'a rejected version is not exit 0');
    assert.match(text, /\*\*2\*\* bad flags or settings, and with `--only`: a `--run-dir` with no `run.json`/);
    assert.doesNotMatch(text, /a first start/);
    assert.match(text, /`serve --bootstrap` on an empty registry/);
  });

  test('alert counts and lists in the docs are generated from the catalogue (run `npm run docs`)', () => {
    for (const path of DOCS_WITH_REGIONS) assert.equal(file(path), fillRegions(file(path)), `${path}: a generated region drifted from the catalogue`);
    assert.ok(file('docs/stack.md').includes(`${ALERTS.length} alerts`), 'docs/stack.md states the real count');
    for (const alert of ALERTS) assert.ok(doc('runbooks.md').includes(`| [${alert.name}](#${alert.runbook}) |`), `${alert.name} is in the runbooks' generated table`);
  });

  test('no doc states a count of alerts by hand', () => {
    const docs = ['README.md', ...readdirSync(new URL('../docs/', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const path of docs) {
      const text = outsideRegions(file(path));
      // Grafana's own alerts (src/stack/grafana/alerting.ts) are another catalogue, named as such.
      const counts = [...text.matchAll(ALERT_COUNT)].filter((m) => !/grafana/i.test(text.slice(m.index, m.index + m[0].length + 20))).map((m) => m[0]);
      assert.deepEqual(counts, [], `${path} states an alert count by hand; put it in a generated region (src/docs/generated-regions.ts)`);
    }
    // The check itself finds what it must.
    assert.deepEqual('there are 13 alerts, thirteen alert rules and 17 in-process alerts'.match(ALERT_COUNT), ['13 alerts', 'thirteen alert rules', '17 in-process alerts']);
  });
});

describe('TSDoc on the stack generators', () => {
  /** Every file under `dir`, recursively. */
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

  test('every exported declaration under src/stack/ has a doc comment right above it', () => {
    const root = fileURLToPath(new URL('../', import.meta.url));
    const missing: string[] = [];
    for (const path of files(join(root, 'src/stack')).filter((f) => f.endsWith('.ts'))) {
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/^export (const|function|async function|type|interface|class|enum)\b/.test(line)) return;
        let above = i - 1;
        while (above >= 0 && lines[above].trim().startsWith('//')) above--;
        if (above < 0 || !lines[above].trim().endsWith('*/')) missing.push(`${relative(root, path)}:${i + 1} ${line.slice(0, 70)}`);
      });
    }
    assert.deepEqual(missing, []);
  });
});
