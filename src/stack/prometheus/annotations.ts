/**
 * Renders the alert-annotation templates the catalogue uses, as Prometheus renders them, so that
 * the expected annotations of each `promtool test rules` case are computed from the catalogue. Only
 * the forms the catalogue uses are supported; anything else throws, so a new form cannot slip into
 * a test unchecked.
 */

/** Go's `%.4g` for the magnitudes alerts print (shortest form, 4 significant digits). */
const g4 = (value: number): string => String(Number(value.toPrecision(4)));

const SI_BELOW_ONE = ['m', 'µ', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Prometheus' humanizeDuration for values under a minute. */
function humanizeDuration(seconds: number): string {
  if (seconds >= 60) throw new RangeError(`humanizeDuration of ${seconds}: only values under a minute are rendered here`);
  if (seconds >= 1 || seconds === 0) return `${g4(seconds)}s`;
  let value = seconds;
  for (const prefix of SI_BELOW_ONE) {
    value *= 1000;
    if (value >= 1) return `${g4(value)}${prefix}s`;
  }
  return `${g4(value)}ys`;
}

/** Prometheus' humanize1024 (binary prefixes). */
function humanize1024(value: number): string {
  const prefixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < prefixes.length - 1) {
    v /= 1024;
    i++;
  }
  return `${g4(v)}${prefixes[i]}`;
}

const FUNCTIONS: Readonly<Record<string, (value: number) => string>> = {
  humanizePercentage: (value) => `${g4(value * 100)}%`,
  humanizeDuration,
  humanize1024,
};

/**
 * Renders one annotation template with the alert's labels and value.
 *
 * @example renderAnnotation('{{ $value | humanizePercentage }} failed on {{ $labels.instance }}', { instance: 'a' }, 0.5) // '50% failed on a'
 */
export function renderAnnotation(template: string, labels: Readonly<Record<string, string>>, value: number): string {
  return template.replace(/\{\{ (.*?) \}\}/g, (whole: string, inner: string) => {
    const label = /^\$labels\.(\w+)$/.exec(inner);
    if (label) {
      if (!(label[1] in labels)) throw new Error(`template ${whole}: the alert has no label ${label[1]}`);
      return labels[label[1]];
    }
    if (inner === '$value') return String(value);
    const piped = /^\$value \| (\w+)$/.exec(inner);
    if (piped && FUNCTIONS[piped[1]]) return FUNCTIONS[piped[1]](value);
    const printf = /^\$value \| printf "%\.(\d)f"$/.exec(inner);
    if (printf) return value.toFixed(Number(printf[1]));
    throw new Error(`template ${whole} is not one the test generator renders`);
  });
}
