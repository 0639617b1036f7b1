/**
 * Every setting of modelwatch, in one schema. A setting comes from a command-line flag, else its
 * environment variable, else its default; the merged result is validated once, at start, and a bad
 * value stops the process with exit code 2 and a message naming the setting and the value.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from './errors.js';
import { MODEL_NAME_PATTERN } from './data/model-schema.js';

const Bool = (description: string, def: boolean) => Type.Boolean({ default: def, description });
const Int = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Integer({ default: def, minimum, maximum, description });
const Str = (description: string, def: string, minLength = 0) => Type.String({ default: def, description, minLength });
const OptionalPath = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));
const Share = (description: string, def: number) => Type.Number({ default: def, minimum: 0, exclusiveMaximum: 1, description });
const Fraction = (description: string, def: number) => Type.Number({ default: def, minimum: 0, maximum: 1, description });
/** Shortest token accepted: a short or repetitive one is guessed, and a guessed admin token runs fire drills. */
export const MIN_SECRET_LENGTH = 16;
/** Fewest different characters a token must have ("aaaaaaaaaaaaaaaa" is 16 characters and no secret). */
export const MIN_SECRET_DISTINCT = 8;
const Secret = (description: string) => Type.Optional(Type.String({ minLength: MIN_SECRET_LENGTH, description }));
/** Settings holding secrets: checked for strength, and never echoed in an error. */
const SECRET_SETTINGS: ReadonlySet<string> = new Set(['ADMIN_TOKEN']);
const OptionalUrl = (description: string) => Type.Optional(Type.String({ pattern: '^https?://', description }));

/**
 * The settings schema. Property names are the environment variable names (the public interface);
 * `flag` is the long option of `modelwatch serve` that overrides it.
 */
export const ConfigSchema = Type.Object(
  {
    PORT: Int('TCP port the service listens on.', 5000, 0, 65535),
    HOST: Str('Interface the service binds to.', '0.0.0.0', 1),
    MODEL_DIR: Str('Model registry directory (versions and the current pointer).', 'models', 1),
    BOOTSTRAP_MODEL: Bool(
      'When the registry has no current version, train a first model (on TRAIN_DATA, else on seeded generated data) and serve it. ' +
        'Off (the default), `modelwatch serve` refuses to start on an empty registry with exit code 4, so a production deployment never serves a model nobody trained on purpose. `npm start` turns it on (`--bootstrap`).',
      false,
    ),
    TRAIN_DATA: OptionalPath('Labelled CSV the first model is trained on when BOOTSTRAP_MODEL is on and the registry is empty; seeded generated data otherwise.'),
    LOG_FILE: OptionalPath('Also append the audit log (NDJSON, ECS) to this file.'),
    LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)), {
      default: 'info', description: 'Lowest level written to the log.',
    }),
    LOG_STDOUT: Bool('Write log lines to stdout.', true),
    LOG_FORMAT: Type.Union(['auto', 'json', 'pretty'].map((f) => Type.Literal(f)), {
      default: 'auto',
      description:
        'How log lines on stdout look: `json` (ECS NDJSON, what log collectors parse), `pretty` (one human-readable line each, coloured on a terminal) or `auto`: pretty when stdout is a terminal, json otherwise. LOG_FILE always gets json.',
    }),
    AUDIT_LOG: Bool('Write one audit line per prediction and per rejected request.', true),
    AUDIT_RAW_INPUTS: Bool('Include the raw request inputs in audit lines.', false),
    AUDIT_REDACT_FIELDS: Str('Comma-separated input fields replaced by "[redacted]" when raw inputs are logged.', 'balance'),
    METRICS_ENABLED: Bool('Record Prometheus metrics on the request path (/metrics still answers).', true),
    SERVICE_NAME: Str('service.name in log lines.', 'ml-pipeline', 1),
    MODEL_NAME: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: MODEL_NAME_PATTERN,
        description:
          'The name the Open Inference Protocol routes serve the model under: `/v2/models/<MODEL_NAME>/infer`, its metadata and readiness. Letters, digits, `.`, `_` and `-`; another name in such a path is a 404. Unset: the serving version\'s own name (`modelwatch import --name`), else `bank-marketing`.',
      }),
    ),
    BATCH_MAX_ROWS: Int('Most rows accepted by POST /predict/batch.', 100, 1, 10_000),
    BODY_LIMIT_BYTES: Int('Largest request body accepted, in bytes.', 262_144, 1024, 64 * 1024 * 1024),
    PREDICT_MAX_EXTRA_FIELDS: Int('Unknown fields tolerated (and ignored) in a /predict row before it is rejected.', 8, 0, 1000),
    ACTIVE_USERS_WINDOW_SECONDS: Int('Window of ml_active_users.', 300, 1, 86_400),
    ACTIVE_USERS_MAX_TRACKED: Int('Most distinct clients remembered for ml_active_users (bounds memory).', 10_000, 1, 1_000_000),
    MODEL_MONITORING: Bool('Track drift, keep predictions for ground truth and compute live quality (the model layer). Off: /feedback answers 503.', true),
    MONITOR_INTERVAL_SECONDS: Int('How often PSI, live quality and the accuracy estimate are recomputed.', 5, 1, 3600),
    DRIFT_WINDOW_SIZE: Int('Drift is measured over the last this many predictions (none older than DRIFT_WINDOW_SECONDS).', 1000, 10, 1_000_000),
    DRIFT_WINDOW_SECONDS: Int('Age in seconds after which a prediction leaves the drift window.', 3600, 1, 30 * 86_400),
    DRIFT_MIN_SAMPLES: Int('Fewest predictions in the drift window before PSI is reported (a handful of rows always looks drifted); at most DRIFT_WINDOW_SIZE.', 300, 1, 1_000_000),
    PREDICTION_STORE_MAX_ENTRIES: Int('Most predictions kept for joining delayed ground truth (about 54 bytes each, allocated at start; the oldest go first).', 100_000, 1, 10_000_000),
    PREDICTION_STORE_TTL_SECONDS: Int('Feedback for a prediction older than this is refused as expired.', 7 * 86_400, 1, 365 * 86_400),
    QUALITY_WINDOW_SIZE: Int('Live accuracy, precision, recall and F1 are computed over the last this many labelled predictions.', 1000, 1, 1_000_000),
    QUALITY_MIN_LABELS: Int('Fewest labelled predictions in the quality window before live quality is reported; at most QUALITY_WINDOW_SIZE.', 30, 1, 1_000_000),
    FEEDBACK_BATCH_MAX_ITEMS: Int('Most labels accepted by POST /feedback/batch.', 1000, 1, 100_000),
    SHUTDOWN_TIMEOUT_SECONDS: Int('Longest wait for in-flight requests on SIGTERM.', 10, 1, 600),
    SEED: Int('Seed for training splits and generated data.', 42, 0, 2 ** 31 - 1),
    MODEL_WATCH: Bool("Switch to a newly promoted version when the registry's CURRENT pointer changes (hot reload; SIGHUP and POST /admin/reload also reload).", true),
    MODEL_WATCH_INTERVAL_SECONDS: Int('How often the registry pointer is checked for a new current version.', 2, 1, 3600),
    ADMIN_TOKEN: Secret('Bearer token that the admin endpoints (POST /admin/reload, the fire drill /admin/drill) require; without it they answer 404. At least 16 characters, of at least 8 different ones (e.g. `openssl rand -hex 24`); never logged.'),
    PUSHGATEWAY_URL: OptionalUrl('Pushgateway that `modelwatch pipeline run` pushes its metrics to, e.g. http://pushgateway:9091.'),
    PIPELINE_INSTANCE: OptionalPath(
      "The `instance` label `modelwatch pipeline run` pushes under (its Pushgateway group); the host name when unset. Set it to a name that stays the same from run to run (a Kubernetes Job pod, a recreated container or an Airflow worker has a new host name each time): each run then replaces the last one's group instead of leaving it behind, where an old failure or an old success time would keep the pipeline alerts firing.",
    ),
    CONSOLE_ENABLED: Bool('Serve the built-in web console at /console (and its JSON under /api/), sample the time series it draws on the monitor tick, evaluate the alert catalogue in-process and keep recent log lines for it.', true),
    CONSOLE_LOG_LINES: Int("Log lines the console's log explorer keeps in memory, the newest, as written (1 KiB each is reserved at start, at least 256 KiB; longer lines leave room for fewer).", 2000, 10, 20_000),
    CONSOLE_ALERT_FOR_SCALE: Fraction("Multiplies every alert's `for` in the console's in-process evaluation; 1 waits as Prometheus does, less shortens the wait for demos and tests (thresholds are never changed).", 1),
    PROMOTION_TOLERANCE: Share("How much worse (absolute) than the current version's holdout accuracy, AUC and F1 a new version may be and still be promoted.", 0.005),
  },
  { additionalProperties: false },
);

/** The validated settings. */
export type Config = Static<typeof ConfigSchema>;

/** Setting names, i.e. environment variable names. */
export type SettingName = keyof Config;

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile<Config>(ConfigSchema);

/** Describes each setting for `--help` and docs: name, type, default, description. */
export function describeSettings(): { name: string; type: string; default: unknown; description: string }[] {
  return Object.entries(ConfigSchema.properties as Record<string, TSchema>).map(([name, schema]) => ({
    name,
    type: schema.anyOf ? schema.anyOf.map((s: TSchema) => JSON.stringify(s.const)).join(' | ') : String(schema.type),
    default: schema.default,
    description: String(schema.description ?? ''),
  }));
}

/**
 * Builds the configuration from environment variables overridden by flags and validates it once.
 * Unknown environment variables are ignored; unknown keys in `overrides` are a programming error.
 *
 * @throws ConfigError naming the first bad setting and its value.
 * @example
 * const config = loadConfig(process.env, { PORT: '8080' });
 * config.PORT; // 8080
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<SettingName, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(ConfigSchema.properties)) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') raw[name] = fromEnv;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[name] = value;
  }
  const candidate = structuredClone(raw);
  if (validate(candidate)) {
    for (const name of SECRET_SETTINGS) {
      const value = candidate[name as SettingName];
      if (typeof value === 'string' && new Set(value).size < MIN_SECRET_DISTINCT) throw new ConfigError(name, HIDDEN, secretExpected());
    }
    return candidate;
  }
  const problem = validate.errors![0];
  const name = problem.instancePath.replace(/^\//, '') || String(problem.params.additionalProperty ?? '');
  const schema = (ConfigSchema.properties as Record<string, TSchema>)[name];
  if (SECRET_SETTINGS.has(name)) throw new ConfigError(name, HIDDEN, secretExpected());
  const expected = schema ? describeExpected(schema) : 'a known setting';
  throw new ConfigError(name, raw[name], expected);
}

/** What an error shows of a secret's value: nothing. */
const HIDDEN = '(hidden)';

const secretExpected = () => `a secret of at least ${MIN_SECRET_LENGTH} characters, at least ${MIN_SECRET_DISTINCT} of them different (e.g. the output of \`openssl rand -hex 24\`)`;

function describeExpected(schema: TSchema): string {
  if (schema.anyOf) return `one of ${schema.anyOf.map((s: TSchema) => s.const).join(', ')}`;
  if (schema.type === 'integer') return `an integer in ${schema.minimum}..${schema.maximum}`;
  if (schema.type === 'number' && schema.maximum !== undefined) return `a number in ${schema.minimum}..${schema.maximum}`;
  if (schema.type === 'number') return `a number from ${schema.minimum} up to ${schema.exclusiveMaximum} (exclusive)`;
  if (schema.pattern) return `a string matching ${schema.pattern}`;
  if (schema.type === 'boolean') return 'true or false';
  return 'a non-empty string';
}
