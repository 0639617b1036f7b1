/**
 * Renders docs/configuration.md from the config schema, so the documented settings can never drift
 * from the validated ones (a test compares the committed file with this output).
 */
import { describeSettings } from '../config.js';

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
  ].join('\n');
}
