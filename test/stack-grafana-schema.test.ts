/**
 * The committed dashboards against Grafana's own published types (`@grafana/schema`): each file in
 * deploy/grafana/dashboards/ is compiled by the TypeScript compiler as an object literal of
 * `GeneratedDashboard` (Grafana's `Dashboard`, each panel's `options` and
 * `fieldConfig.defaults.custom` typed with its plugin's `Options` and `FieldConfig`), so a field in
 * the wrong place or unknown to Grafana fails here as it would be ignored there. Beside the
 * compiler, explicit checks of what Grafana silently gets wrong: threshold lines that are never
 * drawn, unit ids it does not know, and a per-minute value labelled per second.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { generateGrafana } from '../src/stack/grafana/generate.js';
import { isGrafanaUnit, isPerMinuteUnit, PER_SECOND_UNITS } from '../src/stack/grafana/units.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dashboardsDir = join(root, 'deploy/grafana/dashboards');

type Json = Record<string, unknown>;
type PanelJson = { type: string; title: string; targets: { expr: string }[]; options: Json; fieldConfig: { defaults: { unit?: string; thresholds?: unknown; custom?: { thresholdsStyle?: { mode: string } } } } };

/** The committed dashboards, by file name. */
function committedDashboards(): Record<string, Json> {
  const names = readdirSync(dashboardsDir).filter((name) => name.endsWith('.json')).sort();
  return Object.fromEntries(names.map((name) => [name, JSON.parse(readFileSync(join(dashboardsDir, name), 'utf8')) as Json]));
}

let checks = 0;
/**
 * Compiles `dashboards` as `GeneratedDashboard` literals with the project's compiler options, from
 * a source file that exists only in memory (beside the tests, so it resolves like them), and
 * returns the compiler's errors as "<file name>: <message>".
 */
function typeErrors(dashboards: Record<string, Json>): string[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const options: ts.CompilerOptions = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, root).options, noEmit: true };
  const virtual = join(root, 'test', `grafana-dashboards-check-${process.pid}-${checks++}.ts`);
  const ranges: { name: string; from: number }[] = [];
  let source = "import type { GeneratedDashboard, PanelByType } from '../src/stack/grafana/grafana-types.js';\n";
  const emit = (name: string, text: string) => {
    ranges.push({ name, from: source.split('\n').length - 1 });
    source += text;
  };
  // Each panel is checked as the type its `type` names, so an error points at the plugin's own type
  // (a union of panel types would report against whichever member the compiler finds closest).
  Object.entries(dashboards).forEach(([name, { panels, ...dashboard }], i) => {
    const ids = (panels as PanelJson[]).map((panel, j) => {
      emit(`${name} "${panel.title}"`, `const panel${i}_${j}: PanelByType[${JSON.stringify(panel.type)}] = ${JSON.stringify(panel, null, 2)};\n`);
      return `panel${i}_${j}`;
    });
    emit(name, `export const dashboard${i}: GeneratedDashboard = { ...${JSON.stringify(dashboard, null, 2)}, panels: [${ids.join(', ')}] };\n`);
  });
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, language, ...rest) => (fileName === virtual ? ts.createSourceFile(fileName, source, language) : getSourceFile.call(host, fileName, language, ...rest));
  host.fileExists = (fileName) => fileName === virtual || fileExists.call(host, fileName);
  host.readFile = (fileName) => (fileName === virtual ? source : readFile.call(host, fileName));
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== virtual || d.start === undefined) return `${d.file?.fileName ?? '(global)'}: ${text}`;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const owner = ranges.filter((r) => r.from <= line).at(-1)!;
    return `${owner.name} (line ${line - owner.from + 1}): ${text}`;
  });
}

/** Problems Grafana would not report: thresholds set but not drawn, unknown units, per-minute values with a per-second unit. */
function displayProblems(dashboards: Record<string, Json>): string[] {
  const problems: string[] = [];
  for (const [name, dashboard] of Object.entries(dashboards)) {
    for (const panel of dashboard.panels as PanelJson[]) {
      const where = `${name} "${panel.title}"`;
      if ('thresholdsStyle' in panel.options) problems.push(`${where}: thresholdsStyle in options, where Grafana ignores it`);
      const style = panel.fieldConfig.defaults.custom?.thresholdsStyle?.mode;
      if (panel.type === 'timeseries' && panel.fieldConfig.defaults.thresholds && (!style || style === 'off')) problems.push(`${where}: thresholds are set but fieldConfig.defaults.custom.thresholdsStyle does not draw them`);
      const units = [panel.fieldConfig.defaults.unit, (panel.options.yAxis as { unit?: string } | undefined)?.unit].filter((u): u is string => u !== undefined);
      for (const unit of units) if (!isGrafanaUnit(unit)) problems.push(`${where}: unit "${unit}" is not one of Grafana's`);
      const unit = panel.fieldConfig.defaults.unit;
      if (!unit) continue;
      // `rate(...) * 60` or an increase over one minute is a value per minute.
      const perMinute = panel.targets.some((t) => /\)\s*\*\s*60\b/.test(t.expr) || /increase\([^)]*\[1m\]\)/.test(t.expr));
      if (perMinute && !isPerMinuteUnit(unit)) problems.push(`${where}: a per-minute value with unit "${unit}"`);
      if (PER_SECOND_UNITS.has(unit) && (perMinute || !panel.targets.every((t) => /rate/.test(t.expr)))) problems.push(`${where}: per-second unit "${unit}" on a value that is not a rate per second`);
    }
  }
  return problems;
}

describe('the generated Grafana dashboards against @grafana/schema', () => {
  const dashboards = committedDashboards();

  test('every committed dashboard type-checks as Grafana Dashboard with its panels typed by their plugins', () => {
    assert.deepEqual(Object.keys(dashboards), ['api-gateway.json', 'data-drift.json', 'ml-pipeline-production.json', 'mlops-overview.json', 'model-health.json', 'training-pipeline.json']);
    for (const [name, dashboard] of Object.entries(dashboards)) assert.deepEqual(dashboard, JSON.parse(generateGrafana()[`dashboards/${name}`]), `deploy/grafana/dashboards/${name} is what the generator writes (run \`npm run stack\`)`);
    assert.deepEqual(typeErrors(dashboards), []);
  });

  test('the type check rejects a thresholdsStyle in a panel\'s options, an unknown unit and an unknown panel option', () => {
    const drift = structuredClone(dashboards['data-drift.json']);
    const psi = (drift.panels as PanelJson[])[0];
    psi.options.thresholdsStyle = { mode: 'line' };
    delete psi.fieldConfig.defaults.custom;
    const production = structuredClone(dashboards['ml-pipeline-production.json']);
    const perMinute = (production.panels as PanelJson[]).find((p) => p.title === 'Predictions per Minute')!;
    perMinute.fieldConfig.defaults.unit = 'reqpm';
    (production.panels as PanelJson[])[0].options.colourMode = 'background';
    const errors = typeErrors({ 'data-drift.json': drift, 'ml-pipeline-production.json': production }).join('\n');
    assert.match(errors, /data-drift\.json "PSI per Feature \(last hour, all replicas\)" .*'"thresholdsStyle"' does not exist/);
    assert.match(errors, /ml-pipeline-production\.json "Predictions per Minute" .*"reqpm"/);
    assert.match(errors, /ml-pipeline-production\.json "Model Accuracy" .*'"colourMode"' does not exist/);
  });

  test('thresholds are drawn where they are set, every unit is one of Grafana\'s, and per-minute values have a per-minute unit', () => {
    assert.deepEqual(displayProblems(dashboards), []);
    const production = dashboards['ml-pipeline-production.json'].panels as PanelJson[];
    assert.equal(production.find((p) => p.title === 'Predictions per Minute')!.fieldConfig.defaults.unit, 'count:/min');
    const drift = dashboards['data-drift.json'].panels as PanelJson[];
    const lined = drift.filter((p) => p.fieldConfig.defaults.custom?.thresholdsStyle?.mode === 'line').map((p) => p.title);
    assert.deepEqual(lined, ['PSI per Feature (last hour, all replicas)', 'PSI per Feature (drift window, per replica)', 'Estimated against Live Accuracy']);
  });

  test('those checks catch the old layout: thresholdsStyle in options and "reqps" on a per-minute value', () => {
    const production = structuredClone(dashboards['ml-pipeline-production.json']);
    const perMinute = (production.panels as PanelJson[]).find((p) => p.title === 'Predictions per Minute')!;
    perMinute.fieldConfig.defaults.unit = 'reqps';
    const drift = structuredClone(dashboards['data-drift.json']);
    const psi = (drift.panels as PanelJson[])[0];
    psi.options.thresholdsStyle = { mode: 'line' };
    delete psi.fieldConfig.defaults.custom;
    assert.deepEqual(displayProblems({ 'ml-pipeline-production.json': production, 'data-drift.json': drift }), [
      'ml-pipeline-production.json "Predictions per Minute": a per-minute value with unit "reqps"',
      'ml-pipeline-production.json "Predictions per Minute": per-second unit "reqps" on a value that is not a rate per second',
      'data-drift.json "PSI per Feature (last hour, all replicas)": thresholdsStyle in options, where Grafana ignores it',
      'data-drift.json "PSI per Feature (last hour, all replicas)": thresholds are set but fieldConfig.defaults.custom.thresholdsStyle does not draw them',
    ]);
    assert.equal(isGrafanaUnit('reqpm'), false, 'Grafana has no "reqpm": it would print the id after the number');
  });
});
