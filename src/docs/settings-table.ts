/**
 * Renders docs/configuration.md from the config schema, so the documented settings can never drift
 * from the validated ones (a test compares the committed file with this output).
 */
import { describeSettings } from '../config.js';
import { TRACING_VARIABLES } from '../monitoring/tracing/settings.js';

/**
 * The whole configuration document.
 *
 * @example writeFileSync('docs/configuration.md', renderSettingsDoc());
 */
export function renderSettingsDoc(): string {
  const rows = describeSettings().map(
    (s) => `| \`${s.name}\` | ${s.type.replaceAll(' | ', ' or ')} | ${s.default === undefined ? '(unset)' : `\`${JSON.stringify(s.default)}\``} | ${s.description} |`,
  );
  return [
    '# modelwatch configuration',
    '',
    '<!-- Generated from src/config.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every setting is an environment variable; the most used ones are also flags, which win over the',
    'environment: `modelwatch serve --port --host --model-dir --bootstrap --train-data --log-file` and',
    '`modelwatch train --model-dir --seed`. All settings are validated together at start: a bad value',
    'stops the process with exit code 2 and a message such as `Invalid setting PORT="abc": expected an',
    'integer in 0..65535`.',
    '',
    '| setting | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Traces (OpenTelemetry)',
    '',
    '`modelwatch serve` and `modelwatch gateway` read OpenTelemetry\'s standard variables (src/monitoring/tracing/settings.ts).',
    'With an OTLP endpoint set, every request gets a server span (`POST /predict`, with the HTTP semantic-convention',
    'attributes), the gateway a client span per upstream call with `traceparent` passed on, and the request\'s',
    'audit lines carry ECS `trace.id` and `span.id`. A sampler or ratio that cannot be used stops the start with',
    'exit code 2 (`MW_CONFIG_INVALID`) instead of falling back to tracing everything. Spans are sent as OTLP/HTTP',
    'JSON, which OTLP/HTTP receivers such as the OpenTelemetry Collector take (OTEL_EXPORTER_OTLP_PROTOCOL is not read; gRPC is not offered).',
    '',
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...TRACING_VARIABLES.map((v) => `| \`${v.name.split(', ').join('`, `')}\` | ${v.default} | ${v.meaning} |`),
    '',
  ].join('\n');
}
