/**
 * Grafana's unit ids. Grafana keeps them in code, not in `@grafana/schema` (`unit` is a plain
 * string there): `getCategories()` in packages/grafana-data/src/valueFormats/categories.ts, listed
 * here category by category. An id Grafana does not know is not an error in Grafana: it is shown
 * verbatim after the number (`reqpm` would read "5 reqpm"), so a typo never surfaces there — the
 * type below and test/stack-grafana-schema.test.ts catch it here instead.
 *
 * Besides the ids, Grafana parses custom units `<kind>:<text>` (`getValueFormat` in
 * valueFormats.ts): `count:/min` scales like `short` (K, M, B) and appends " /min".
 */
export const GRAFANA_UNIT_IDS = {
  misc: ['none', 'string', 'short', 'percent', 'percentunit', 'humidity', 'dB', 'hex0x', 'hex', 'sci', 'locale', 'pixel'],
  acceleration: ['accMS2', 'accFS2', 'accG'],
  angle: ['degree', 'radian', 'grad', 'arcmin', 'arcsec'],
  area: ['areaM2', 'areaF2', 'areaMI2'],
  computation: ['flops', 'mflops', 'gflops', 'tflops', 'pflops', 'eflops', 'zflops', 'yflops'],
  concentration: ['ppm', 'conppb', 'conngm3', 'conngNm3', 'conμgm3', 'conμgNm3', 'conmgm3', 'conmgNm3', 'congm3', 'congNm3', 'conmgdL', 'conmmolL'],
  currency: ['currencyUSD', 'currencyGBP', 'currencyEUR', 'currencyJPY', 'currencyRUB', 'currencyUAH', 'currencyBRL', 'currencyDKK', 'currencyISK', 'currencyNOK', 'currencySEK', 'currencyCZK', 'currencyCHF', 'currencyPLN', 'currencyBTC', 'currencymBTC', 'currencyμBTC', 'currencyZAR', 'currencyINR', 'currencyKRW'],
  dataIec: ['bits', 'bytes', 'kbytes', 'mbytes', 'gbytes', 'tbytes', 'pbytes'],
  dataMetric: ['decbits', 'decbytes', 'deckbytes', 'decmbytes', 'decgbytes', 'dectbytes', 'decpbytes'],
  dataRate: ['pps', 'bps', 'Bps', 'KBs', 'Kbits', 'MBs', 'Mbits', 'GBs', 'Gbits', 'TBs', 'Tbits', 'PBs', 'Pbits'],
  dateTime: ['dateTimeAsIso', 'dateTimeAsIsoNoDateIfToday', 'dateTimeAsUS', 'dateTimeAsUSNoDateIfToday', 'dateTimeFromNow'],
  energy: ['watt', 'kwatt', 'megwatt', 'gwatt', 'mwatt', 'Wm2', 'voltamp', 'kvoltamp', 'voltampreact', 'kvoltampreact', 'watth', 'watthperkg', 'kwatth', 'kwattm', 'amph', 'kamph', 'mamph', 'joule', 'ev', 'amp', 'kamp', 'mamp', 'volt', 'kvolt', 'mvolt', 'dBm', 'ohm', 'kohm', 'Mohm', 'farad', 'µfarad', 'nfarad', 'pfarad', 'ffarad', 'henry', 'mhenry', 'µhenry', 'lumens'],
  flow: ['flowgpm', 'flowcms', 'flowcfs', 'flowcfm', 'litreh', 'flowlpm', 'flowmlpm', 'lux'],
  force: ['forceNm', 'forcekNm', 'forceN', 'forcekN'],
  hashRate: ['Hs', 'KHs', 'MHs', 'GHs', 'THs', 'PHs', 'EHs'],
  mass: ['massmg', 'massg', 'masskg', 'masst'],
  length: ['lengthmm', 'lengthft', 'lengthm', 'lengthkm', 'lengthmi'],
  pressure: ['pressurembar', 'pressurebar', 'pressurekbar', 'pressurepa', 'pressurehpa', 'pressurekpa', 'pressurehg', 'pressurepsi'],
  radiation: ['radbq', 'radci', 'radgy', 'radrad', 'radsv', 'radmsv', 'radusv', 'radrem', 'radexpckg', 'radr', 'radsvh', 'radmsvh', 'radusvh'],
  rotationalSpeed: ['rotrpm', 'rothz', 'rotrads', 'rotdegs'],
  temperature: ['celsius', 'fahrenheit', 'kelvin'],
  time: ['hertz', 'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms', 'timeticks', 'clockms', 'clocks'],
  /** Per second: cps … iops; per minute: cpm … wpm. */
  throughput: ['cps', 'ops', 'reqps', 'rps', 'wps', 'iops', 'cpm', 'opm', 'rpm', 'wpm'],
  velocity: ['velocityms', 'velocitykmh', 'velocitymph', 'velocityknot'],
  volume: ['mlitre', 'litre', 'm3', 'Nm3', 'dm3', 'gallons'],
} as const;

type UnitIds = typeof GRAFANA_UNIT_IDS;
/** A unit id of Grafana's list. */
export type GrafanaUnitId = UnitIds[keyof UnitIds][number];
/** A custom unit Grafana parses: `<kind>:<text>`. */
export type GrafanaCustomUnit = `${'prefix' | 'suffix' | 'si' | 'count' | 'currency' | 'time' | 'bool'}:${string}`;
/** Any unit Grafana formats as intended. */
export type GrafanaUnit = GrafanaUnitId | GrafanaCustomUnit;

const UNIT_IDS: ReadonlySet<string> = new Set(Object.values(GRAFANA_UNIT_IDS).flat());

/**
 * Whether Grafana knows `unit`: one of its ids, or a custom unit of a kind it parses.
 *
 * @example isGrafanaUnit('reqps') // true
 * @example isGrafanaUnit('reqpm') // false: Grafana would print "reqpm" after the number
 */
export function isGrafanaUnit(unit: string): unit is GrafanaUnit {
  return UNIT_IDS.has(unit) || /^(prefix|suffix|si|count|currency|time|bool):./.test(unit);
}

/** Grafana's units of "things per second" (its Throughput and Data rate ids). */
export const PER_SECOND_UNITS: ReadonlySet<string> = new Set(['cps', 'ops', 'reqps', 'rps', 'wps', 'iops', ...GRAFANA_UNIT_IDS.dataRate]);

/**
 * Whether a unit says "per minute": Grafana's per-minute throughput ids, or a custom unit ending in `/min`.
 *
 * @example isPerMinuteUnit('count:/min') // true
 */
export function isPerMinuteUnit(unit: string): boolean {
  return ['cpm', 'opm', 'rpm', 'wpm'].includes(unit) || /^(suffix|count|si):.*\/min$/.test(unit);
}
