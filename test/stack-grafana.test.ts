import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { ALERTS, LIMIT, predictShare } from '../src/stack/catalogue/alerts.js';
import { RULE_GROUPS, SERVER_ERROR_RATIO_RULE } from '../src/stack/catalogue/recording-rules.js';
import { ALERTMANAGER_URL, GRAFANA_ALERTS } from '../src/stack/grafana/alerting.js';
import { generateGrafana } from '../src/stack/grafana/generate.js';
import { GATEWAY_JOB } from '../src/stack/prometheus/generate.js';

type Panel = { type: string; title: string; datasource: { uid: string }; targets: { expr: string; legendFormat: string; datasource: { uid: string } }[]; fieldConfig: { defaults: { unit?: string; min?: number; thresholds?: { steps: { color: string; value: number | null }[] } } } };

describe('the generated Grafana provisioning', () => {
  const files = generateGrafana();
  const dashboard = JSON.parse(files['dashboards/ml-pipeline-production.json']) as { title: string; refresh: string; time: { from: string; to: string }; panels: Panel[] };
  const datasources = parse(files['provisioning/datasources/datasources.yml']) as { datasources: { uid: string; type: string }[] };

  test("\"ML Pipeline Production\" has 000's panels, units, thresholds and legend, the last hour and a 30 s refresh", () => {
    assert.equal(dashboard.title, 'ML Pipeline Production');
    assert.equal(dashboard.refresh, '30s');
    assert.deepEqual(dashboard.time, { from: 'now-1h', to: 'now' });
    const byTitle = new Map(dashboard.panels.map((p) => [p.title, p]));
    const expected: [string, string, string[], string | undefined][] = [
      ['Model Accuracy', 'stat', ['ml_model_accuracy'], 'percentunit'],
      ['Predictions per Minute', 'timeseries', ['rate(ml_predictions_total[1m]) * 60'], 'count:/min'],
      ['Error Rate', 'stat', [`${predictShare('5..', '5m', 'job, instance')} * 100`], 'percent'],
      ['95th Percentile Latency', 'timeseries', ['histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m]))'], 's'],
      ['Prediction Distribution', 'piechart', ['ml_predictions_by_class_total{prediction_class="0"}', 'ml_predictions_by_class_total{prediction_class="1"}'], undefined],
      ['Memory Usage', 'timeseries', ['ml_app_memory_bytes / 1024 / 1024'], 'decmbytes'],
    ];
    assert.equal(dashboard.panels.length, expected.length);
    for (const [title, type, exprs, unit] of expected) {
      const panel = byTitle.get(title);
      assert.ok(panel, title);
      assert.equal(panel.type, type, title);
      assert.deepEqual(panel.targets.map((t) => t.expr), exprs, title);
      assert.equal(panel.fieldConfig.defaults.unit, unit, title);
    }
    const steps = (title: string) => byTitle.get(title)!.fieldConfig.defaults.thresholds!.steps;
    assert.deepEqual(steps('Model Accuracy'), [{ color: 'red', value: null }, { color: 'yellow', value: 0.85 }, { color: 'green', value: 0.9 }]);
    assert.deepEqual(steps('Error Rate'), [{ color: 'green', value: null }, { color: 'yellow', value: 5 }, { color: 'red', value: 10 }]);
    assert.equal(byTitle.get('Predictions per Minute')!.fieldConfig.defaults.min, 0);
    assert.deepEqual(byTitle.get('Prediction Distribution')!.targets.map((t) => t.legendFormat), ['No Subscribe', 'Subscribe']);
  });

  test('Model Health, MLOps Overview, Data Drift and Training Pipeline are generated, with drift against 0.1 and 0.2 and a feature variable', () => {
    const titles = Object.entries(files).filter(([path]) => path.startsWith('dashboards/')).map(([, text]) => (JSON.parse(text) as { title: string }).title);
    assert.deepEqual(titles.sort(), ['API Gateway', 'Data Drift', 'ML Pipeline Production', 'MLOps Overview', 'Model Health', 'Training Pipeline']);
    const pipeline = JSON.parse(files['dashboards/training-pipeline.json']) as { panels: Panel[] };
    const exprs = pipeline.panels.flatMap((p) => p.targets.map((t) => t.expr)).join(' ');
    for (const metric of ['pipeline_run_status', 'pipeline_step_duration_seconds', 'model_training_accuracy', 'model_training_loss', 'pipeline_rows_processed_total']) assert.match(exprs, new RegExp(metric), `Training Pipeline shows ${metric}`);
    const drift = JSON.parse(files['dashboards/data-drift.json']) as { panels: Panel[]; templating: { list: { name: string; query: string }[] } };
    const psi = drift.panels.find((p) => p.title.startsWith('PSI per Feature (last hour'))!;
    assert.deepEqual(psi.fieldConfig.defaults.thresholds!.steps.map((step) => step.value), [null, 0.1, 0.2]);
    assert.equal(drift.templating.list[0].name, 'feature');
    assert.ok(drift.panels.some((p) => p.targets.some((t) => t.expr.includes('ml_model_estimated_accuracy'))) && drift.panels.some((p) => p.targets.some((t) => t.expr.includes('source="live"'))), 'estimated beside live accuracy');
    const health = JSON.parse(files['dashboards/model-health.json']) as { panels: Panel[] };
    assert.ok(health.panels.some((p) => p.type === 'heatmap'), 'a latency heatmap');
  });

  test("API Gateway shows every gateway family for one gateway job, its lines at the gateway alerts' thresholds", () => {
    const gateway = JSON.parse(files['dashboards/api-gateway.json']) as { panels: Panel[]; templating: { list: { name: string; query: string; current: { value: string } }[] } };
    assert.deepEqual(gateway.templating.list.map((v) => [v.name, v.current.value]), [['job', GATEWAY_JOB]]);
    const exprs = gateway.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const expr of exprs) assert.match(expr, /\{job="\$job"/, `${expr} reads the chosen gateway job only`);
    for (const family of ['gateway_http_requests_total', 'gateway_http_request_duration_seconds_bucket', 'gateway_backend_requests_total', 'gateway_backend_request_duration_seconds_bucket', 'gateway_upstream_errors_total', 'gateway_requests_refused_total', 'gateway_upstream_in_flight', 'gateway_circuit_state', 'process_cpu_seconds_total', 'process_resident_memory_bytes']) {
      assert.ok(exprs.some((e) => e.includes(family)), `a panel reads ${family}`);
    }
    const byTitle = new Map(gateway.panels.map((p) => [p.title, p]));
    assert.deepEqual(byTitle.get('Error Rate (5xx)')!.fieldConfig.defaults.thresholds!.steps.map((s) => s.value), [null, LIMIT.gatewayErrorRatio * 100], "GatewayHighErrorRate's 5 %");
    assert.deepEqual(byTitle.get('Model Server Latency p95')!.fieldConfig.defaults.thresholds!.steps.map((s) => s.value), [null, LIMIT.gatewayBackendP95Seconds], "MLInferenceLatencyHigh's 1 s");
  });

  test('the error panels show the server-error share (5xx), not every non-2xx: rejected input is not the service failing', () => {
    const rule = RULE_GROUPS.flatMap((g) => g.rules).find((r) => r.record === SERVER_ERROR_RATIO_RULE);
    assert.equal(rule?.expr, predictShare('5..', '5m'), 'the recorded share is what the error alerts compare');
    const panel = (file: string, title: string) => (JSON.parse(files[`dashboards/${file}.json`]) as { panels: Panel[] }).panels.find((p) => p.title === title)!;
    for (const [file, title] of [['mlops-overview', 'Error %'], ['model-health', 'Error Rate']]) {
      const exprs = panel(file, title).targets.map((t) => t.expr);
      assert.ok(exprs.length > 0 && exprs.every((e) => e.startsWith(SERVER_ERROR_RATIO_RULE)), `${file} "${title}": ${exprs.join(', ')}`);
    }
    // The any-non-2xx ratio stays recorded (a public name), for whoever queries it.
    assert.ok(RULE_GROUPS.flatMap((g) => g.rules).some((r) => r.record === 'job:model_request_error_ratio:rate5m'));
  });

  test('every panel and query uses a provisioned data source, and no password is written down', () => {
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    assert.deepEqual([...uids].sort(), ['elasticsearch', 'prometheus']);
    for (const panel of dashboard.panels) {
      assert.ok(uids.has(panel.datasource.uid), panel.title);
      for (const target of panel.targets) assert.ok(uids.has(target.datasource.uid), panel.title);
    }
    for (const [path, text] of Object.entries(files)) {
      assert.doesNotMatch(text, /admin\/admin|"password":\s*"[^$]|basicAuthPassword: [^$]/i, `${path} holds no literal password`);
    }
    assert.match(files['provisioning/datasources/datasources.yml'], /basicAuthPassword: \$\{ELASTICSEARCH_PASSWORD\}/);
  });

  test("000's two Grafana alerts are provisioned with its conditions, on their panels, delivered to Alertmanager", () => {
    type Query = { refId: string; datasourceUid: string; model: { expr?: string; type?: string; expression?: string; conditions?: { evaluator: { type: string; params: number[] } }[] } };
    type Rule = { uid: string; title: string; condition: string; for: string; dashboardUid: string; panelId: number; data: Query[]; labels: Record<string, string>; annotations: Record<string, string> };
    const alerting = parse(files['provisioning/alerting/modelwatch.yml']) as {
      groups: { interval: string; folder: string; rules: Rule[] }[];
      contactPoints: { name: string; receivers: { type: string; settings: { url: string } }[] }[];
      policies: { receiver: string }[];
    };
    const rules = alerting.groups.flatMap((g) => g.rules);
    const seed = rules.map((r) => {
      const query = r.data.find((d) => d.datasourceUid === 'prometheus')!;
      const threshold = r.data.find((d) => d.model.type === 'threshold')!;
      return [r.title, query.model.expr, threshold.model.conditions![0].evaluator.type, threshold.model.conditions![0].evaluator.params[0], r.for];
    });
    assert.deepEqual(seed, [
      // Live accuracy only: the holdout figure (source="holdout") is not today's predictions.
      ['Model Accuracy Alert', 'ml_model_accuracy{source="live"}', 'lt', 0.9, '5m'],
      ['High Error Rate Alert', predictShare('5..', '5m', 'job, instance'), 'gt', 0.1, '2m'],
    ]);
    assert.deepEqual(alerting.groups.map((g) => g.interval), ['1m'], 'evaluated every minute');
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    for (const rule of rules) {
      const refIds = new Set(rule.data.map((d) => d.refId));
      assert.ok(refIds.has(rule.condition), `${rule.title}: the condition names one of its queries`);
      for (const query of rule.data) {
        assert.ok(uids.has(query.datasourceUid) || query.datasourceUid === '__expr__', `${rule.title}/${query.refId}: a provisioned data source`);
        if (query.model.expression) assert.ok(refIds.has(query.model.expression), `${rule.title}/${query.refId} reads an existing query`);
      }
      // Attached to the panel that shows the same series.
      const panel = dashboard.panels[rule.panelId - 1];
      assert.equal(rule.dashboardUid, 'ml-pipeline-production');
      // …the panel's query, or (accuracy) the panel's metric narrowed to the live source.
      const [panelExpr, ruleExpr] = [panel.targets[0].expr, rule.data[0].model.expr!];
      assert.ok(panelExpr.startsWith(ruleExpr) || ruleExpr.startsWith(`${panelExpr}{`), `${rule.title} sits on ${panel.title}`);
      // Annotations a person reads: words, the value and the labels — not the PromQL.
      assert.ok(rule.annotations.description.length < 300, `${rule.title}: ${rule.annotations.description}`);
      assert.doesNotMatch(rule.annotations.description + rule.annotations.summary, /rate\(|sum by|\[5m\]|ml_model_accuracy/, rule.title);
      assert.match(rule.annotations.description, /\{\{ humanizePercentage \$values\.B\.Value \}\}/, `${rule.title} shows the firing value`);
      assert.match(rule.annotations.runbook_url, /docs\/runbooks\.md#[a-z]+$/);
      assert.equal(rule.labels.severity, 'critical');
      // Grafana would expand a `$` in a label from the environment.
      for (const value of Object.values(rule.labels)) assert.doesNotMatch(value, /\$/, `${rule.title}: label ${value}`);
    }
    assert.deepEqual(alerting.contactPoints[0].receivers.map((r) => [r.type, r.settings.url]), [['prometheus-alertmanager', ALERTMANAGER_URL]]);
    assert.deepEqual(alerting.policies.map((p) => p.receiver), [alerting.contactPoints[0].name]);
  });

  test('each Grafana alert keeps the threshold and `for` of the Prometheus alert it mirrors', () => {
    for (const spec of GRAFANA_ALERTS) {
      const alert = ALERTS.find((a) => a.name === spec.mirrors);
      assert.ok(alert, `${spec.title} mirrors ${spec.mirrors}`);
      const [, comparator, threshold] = /([<>])\s*([\d.]+)\s*$/.exec(alert.expr) ?? [];
      assert.equal(comparator, spec.comparison === 'lt' ? '<' : '>', spec.title);
      assert.equal(Number(threshold), spec.threshold, spec.title);
      assert.equal(alert.for, spec.for, spec.title);
      assert.equal(alert.runbook, spec.runbook, spec.title);
      // A critical Grafana alert pages like its Prometheus twin, so it must not count what the twin
      // leaves out: rejected input (4xx) never pages.
      if (spec.severity === 'critical' && /status/.test(spec.expr)) assert.ok(alert.expr.startsWith(spec.expr), `${spec.title} queries what ${spec.mirrors} does`);
      assert.doesNotMatch(spec.expr, /ml_prediction_error_rate/, `${spec.title}: ml_prediction_error_rate counts rejected input too`);
    }
  });
});
