/**
 * The web console end to end, in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): before any prediction the drift panel says "warming up"; then a running
 * service gets traffic, then drifted traffic with labels; the page
 * must draw every panel, show a feature above PSI 0.2, narrow its log to one request id, show a
 * firing alert from the catalogue — and ask nothing of any origin but the service's. A screenshot
 * is saved to test-artifacts/console.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsole } from '../scripts/build-console.js';
import { loadConfig } from '../src/config.js';
import { syntheticRows } from '../src/data/synthetic.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { trainedRegistry } from './helpers/fixtures.js';
import { fileMissing, skipUnlessTool } from './helpers/tools.js';

// The page's globals, as the callbacks handed to the page use them: they run in Chromium, and this
// file is type-checked without the DOM library.
interface PageElement {
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };
declare const location: { href: string };
declare const window: { scrollTo(x: number, y: number): void };

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url);
const PANELS = ['accuracy', 'predictions', 'error-rate', 'latency', 'distribution', 'memory', 'feedback', 'drift', 'drift-bins', 'drift-psi', 'logs'];

const skip = skipUnlessTool(fileMissing(CHROMIUM, `needs Debian's chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`));

describe('the web console in headless Chromium', { skip }, () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];

  /** POSTs JSON to the service. */
  const post = (path: string, body: unknown, requestId?: string) =>
    fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) }, body: JSON.stringify(body) });

  /** Predicts `rows` one request each (ids `<prefix>-<i>`), labels every other one and sends a malformed request every 25. */
  async function traffic(prefix: string, rows: number, drift: number, seed: number): Promise<void> {
    let i = 0;
    for (const row of syntheticRows({ rows, seed, drift })) {
      const id = `${prefix}-${i}`;
      assert.equal((await post('/predict', row.features, id)).status, 200);
      if (i % 2 === 0) assert.equal((await post('/feedback', { request_id: id, actual: row.y })).status, 200);
      if (i % 25 === 0) assert.equal((await post('/predict', { age: 5 })).status, 400);
      i++;
    }
  }

  before(async () => {
    await buildConsole();
    // One tick a second; a small drift window so drifted traffic moves PSI within seconds; every
    // alert's `for` scaled to 1/200 (FeatureDriftCritical's 10 m becomes 3 s), thresholds unchanged.
    const config = loadConfig(
      {},
      {
        PORT: 0, HOST: '127.0.0.1', MODEL_DIR: trainedRegistry().dir, LOG_STDOUT: false,
        MONITOR_INTERVAL_SECONDS: 1, DRIFT_WINDOW_SIZE: 300, DRIFT_MIN_SAMPLES: 100, QUALITY_MIN_LABELS: 30, CONSOLE_ALERT_FOR_SCALE: 0.005,
      },
    );
    service = await startService(config);
    // launch() gives Chromium a fresh, empty --user-data-dir of its own and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await service?.close();
  });

  test('before DRIFT_MIN_SAMPLES predictions the drift panel says "warming up" for every signal, not a level', { timeout: 30_000 }, async () => {
    await page.goto(`${service.url}/console?refresh=1`);
    await page.waitForSelector('.psi-list li[data-level="warming_up"]', { timeout: 15_000 });
    const items = await page.$$eval('.psi-list li', (lis) => lis.map((li) => [li.getAttribute('data-level'), li.querySelector('b')?.textContent]));
    assert.equal(items.length, 18);
    for (const item of items) assert.deepEqual(item, ['warming_up', 'warming up']);
  });

  test('draws every panel, shows drift above 0.2 and a firing alert, filters the log; asks only its own origin', { timeout: 90_000 }, async () => {
    await traffic('base', 200, 0, 21);
    const redirect = await fetch(`${service.url}/`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/console');
    await page.goto(`${service.url}/?refresh=1&range=5m`);
    assert.match(page.url(), /\/console\?refresh=1&range=5m$/);
    await traffic('drift', 300, 1, 22);

    // Every panel has drawn data.
    await page.waitForFunction(
      (panels) => panels.every((id) => Number(document.querySelector(`[data-panel="${id}"]`)?.getAttribute('data-points') ?? 0) > 0),
      PANELS,
      { timeout: 30_000 },
    );
    for (const id of PANELS) {
      const points = Number(await page.getAttribute(`[data-panel="${id}"]`, 'data-points'));
      assert.ok(points > 0, `panel ${id} drew ${points} points`);
    }
    assert.ok((await page.locator('[data-panel="accuracy"] canvas').count()) > 0, 'the charts are canvases drawn by uPlot');

    // The drift panel shows a feature above the 0.2 line.
    await page.waitForSelector('.psi-list li[data-family="feature"][data-level="critical"]', { timeout: 20_000 });
    const psis = await page.$$eval('.psi-list li[data-family="feature"]', (items) => items.map((li) => Number(li.getAttribute('data-psi') || 0)));
    assert.ok(Math.max(...psis) > 0.2, `largest feature PSI ${Math.max(...psis)}`);

    // A catalogue alert fires (FeatureDriftCritical: PSI > 0.2 for 10 m × 0.005).
    const firing = page.locator('li.alert[data-alert="FeatureDriftCritical"][data-state="firing"]');
    await firing.waitFor({ timeout: 20_000 });
    assert.match(await firing.innerText(), /firing since/);
    const auditLines = (await (await fetch(`${service.url}/api/logs?level=ERROR`)).json()) as { lines: { message: string; alert?: { name: string; state: string } }[] };
    assert.ok(auditLines.lines.some((l) => l.alert?.name === 'FeatureDriftCritical' && l.alert.state === 'firing'), 'the firing alert wrote an audit line');

    // The log filter narrows to one request id (its prediction and its label), and a line opens.
    const id = 'drift-42';
    await page.fill('input[name="request_id"]', id);
    await page.waitForFunction((wanted) => {
      const rows = [...document.querySelectorAll('tr.log-row')];
      return rows.length > 0 && rows.every((row) => row.getAttribute('data-request-id') === wanted);
    }, id);
    const ids = await page.$$eval('tr.log-row', (rows) => rows.map((row) => row.getAttribute('data-request-id')));
    assert.deepEqual(ids, [id, id], 'the prediction line and the feedback line');
    await page.click('tr.log-row');
    assert.match(await page.locator('tr.log-detail:not([hidden]) pre').first().innerText(), new RegExp(`"request_id": "${id}"`));

    // The range is selectable up to an hour.
    await page.selectOption('#range-select', '1h');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('range') === '1h');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.fill('input[name="request_id"]', '');
    await page.waitForTimeout(1500);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: new URL('console.png', ARTIFACTS).pathname, fullPage: true });

    // Nothing but the service was asked for anything.
    const origin = new URL(service.url).origin;
    const foreign = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    assert.deepEqual(foreign, [], 'every request went to the service');
    assert.ok(requested.some((url) => url.includes('/api/series')));
    assert.deepEqual(pageErrors, [], 'no script or CSP error on the page');
  });
});
