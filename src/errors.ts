/**
 * Every coded error modelwatch raises, in one module (the fastify habit): a stable `code`, an HTTP
 * status where it reaches a client, and a message template. docs/api.md documents each code and a
 * test keeps the two in step.
 */
import createError from '@fastify/error';

/** Why a request was rejected: the bounded `reason` label of ml_input_validation_failures_total. */
export const REJECTION_REASONS = [
  'missing_field',
  'wrong_type',
  'unknown_category',
  'out_of_range',
  'non_finite',
  'too_many_fields',
  'invalid_json',
  'empty_body',
  'unsupported_media_type',
  'body_too_large',
  'batch_too_large',
  'invalid_batch',
  'invalid_feedback',
  'unsupported_encoding',
  'invalid_encoding',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** One thing wrong with a request body: which field, what was expected, what came. */
export interface InputProblem {
  readonly field: string;
  readonly reason: RejectionReason;
  readonly expected: string;
  readonly got?: unknown;
}

/** Longest piece of a request (a value, a path, a header) an error echoes back. */
export const MAX_ECHO_CHARS = 100;

/**
 * `text` as an error may echo it: at most `max` characters, marked when cut, so an error answer never
 * carries kilobytes of what the client sent.
 *
 * @example echo('x'.repeat(500)) // 'xxx…(100 of 500 characters)'
 */
export function echo(text: string, max = MAX_ECHO_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${max} of ${text.length} characters)`;
}

/**
 * A value sent by a client as `got` may echo it: a number, boolean or null as it is, a string cut by
 * {@link echo}, an array or object named by its type (never serialized: it may be nested deeper than
 * a serializer's stack).
 *
 * @example echoValue([[[1]]]) // 'array'
 */
export function echoValue(value: unknown, max = MAX_ECHO_CHARS): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return echo(value, max);
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** At most this many problems are listed in an answer (and its audit line); `problems_omitted` counts the rest. */
export const MAX_LISTED_PROBLEMS = 50;
/** At most this many problems are named in the message of MW_INVALID_INPUT. */
const MAX_PROBLEMS_IN_MESSAGE = 5;

/** The catalogue of codes: documentation and tests iterate it. */
export const ERROR_CODES = {
  MW_INVALID_INPUT: { status: 400, message: 'Invalid input: %s', description: 'The body parsed as JSON but a field is missing, of the wrong type, out of range, non-finite, an unknown category, or there are too many unknown fields (for `/feedback`: `request_id` must be a non-empty string, `actual` one of 0, 1, "no", "yes"). `problems` lists each one.' },
  MW_INVALID_JSON: { status: 400, message: 'The body is not valid JSON: %s', description: 'The body could not be parsed as JSON.' },
  MW_EMPTY_BODY: { status: 400, message: 'The body is empty; send a JSON object', description: 'A POST arrived with no body.' },
  MW_INVALID_BATCH: { status: 400, message: 'Invalid batch: %s', description: '`/predict/batch` needs `{"rows": [ ... ]}` with at least one row.' },
  MW_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type %s; send application/json', description: 'The Content-Type is not application/json.' },
  MW_BODY_TOO_LARGE: { status: 413, message: 'The body is larger than %d bytes (BODY_LIMIT_BYTES)', description: 'The body exceeds BODY_LIMIT_BYTES (for a compressed body: once decompressed).' },
  MW_UNSUPPORTED_CONTENT_ENCODING: { status: 415, message: 'Unsupported Content-Encoding %s; send gzip, deflate, br or identity, one at a time', description: 'The body is encoded with a content coding the service does not decode (or with several).' },
  MW_INVALID_CONTENT_ENCODING: { status: 400, message: 'The body is not valid %s: %s', description: 'The body does not decode with the coding its Content-Encoding names (corrupt or truncated).' },
  MW_MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP/1.1 (%s); the connection is closed', description: 'The bytes received do not parse as an HTTP request; answered before any route is chosen, so without a request id.' },
  MW_HEADERS_TOO_LARGE: { status: 431, message: 'The request line and headers exceed %d bytes; the connection is closed', description: 'The request line and headers are larger than the server accepts.' },
  MW_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received completely within %d s; the connection is closed', description: 'A client sent its request too slowly.' },
  MW_BAD_REQUEST: { status: 400, message: 'The request was refused: %s', description: 'Any other request the HTTP layer refuses before a route handles it (the status is that layer\'s 4xx); the message says why.' },
  MW_SHUTTING_DOWN: { status: 503, message: 'The service is shutting down; retry on another replica', description: 'A request arrived on an open connection while the service was stopping (SIGTERM); it finishes the requests in flight but takes no new ones.' },
  MW_BATCH_TOO_LARGE: { status: 413, message: 'The batch has %d rows; at most %d are accepted (BATCH_MAX_ROWS)', description: 'A batch exceeds BATCH_MAX_ROWS rows.' },
  MW_INVALID_FEEDBACK: { status: 400, message: 'Invalid feedback: %s', description: '`/feedback/batch` needs `{"feedback": [ ... ]}` with at least one item. (A feedback item with a missing or wrong `request_id` or `actual` is MW_INVALID_INPUT, with `problems`.)' },
  MW_FEEDBACK_BATCH_TOO_LARGE: { status: 413, message: 'The feedback batch has %d items; at most %d are accepted (FEEDBACK_BATCH_MAX_ITEMS)', description: 'A feedback batch exceeds FEEDBACK_BATCH_MAX_ITEMS items.' },
  MW_FEEDBACK_UNKNOWN_ID: { status: 404, message: 'No stored prediction has request_id %s: it was never made here, or it left the store (PREDICTION_STORE_MAX_ENTRIES)', description: 'Feedback for a request id this replica never answered or no longer holds. With several replicas, send feedback to the one that predicted, or use a shared store.' },
  MW_FEEDBACK_EXPIRED: { status: 404, message: 'The prediction %s is %d s old, older than PREDICTION_STORE_TTL_SECONDS (%d s); its label is not joined', description: 'Feedback that arrived after the prediction store TTL.' },
  MW_FEEDBACK_CONFLICT: { status: 409, message: 'The prediction %s already has the label %d; the label %d is refused', description: 'A second, different label for an already labelled prediction. The first label stands; sending the same label again is idempotent (200, status "duplicate").' },
  MW_MONITORING_DISABLED: { status: 503, message: 'Model monitoring is off (MODEL_MONITORING=false): predictions are not stored, so feedback cannot be joined', description: 'Feedback was sent to a service started with MODEL_MONITORING=false.' },
  MW_ROUTE_NOT_FOUND: { status: 404, message: 'No route %s %s', description: 'Unknown method and path.' },
  MW_BAD_URL: { status: 400, message: 'The URL cannot be decoded: %s', description: 'A path with a malformed percent-encoding or an over-long parameter.' },
  MW_MODEL_NOT_READY: { status: 503, message: 'No model is loaded yet; retry when GET /ready answers 200', description: 'The service is still loading or training its first model.' },
  MW_MODEL_NOT_FOUND: { status: 404, message: 'No model named %s is served here; the model is %s (MODEL_NAME)', description: 'An Open Inference Protocol path (`/v2/models/<name>/…`) names a model this service does not serve; the message names the one it does.' },
  MW_MODEL_VERSION_NOT_SERVING: { status: 404, message: 'Model version %s is not serving; %s is (or leave the version out of the path)', description: 'An Open Inference Protocol path (`/v2/models/<name>/versions/<version>/…`) names a version other than the one serving; the message names the serving version.' },
  MW_ADMIN_UNAUTHORIZED: { status: 401, message: 'The admin endpoints need the header "Authorization: Bearer <ADMIN_TOKEN>": %s', description: 'An admin request (POST /admin/reload, POST/GET/DELETE /admin/drill) without the bearer token, or with a wrong one.' },
  MW_DRILL_INJECTED: { status: 503, message: 'Fire drill: this failure was injected on purpose (POST /admin/drill: %s); the model was not asked', description: 'A fire drill is running (`POST /admin/drill` or `modelwatch drill`) and this predict request was one of the share it fails on purpose, so alerting can be proven end to end. It counts as a server error in every metric, like a real failure; `ml_drill_requests_total` and the audit line\'s `drill.effect` tell it apart. `DELETE /admin/drill` ends the drill.' },
  MW_MODEL_RELOAD_FAILED: { status: 422, message: 'Model version %s failed to load (%s): %s', description: 'A reload asked for a version that is missing, corrupt or incompatible; the version that was serving still serves (the failure is also counted in ml_model_reload_failures_total and logged).' },
  MW_INVALID_QUERY: { status: 400, message: 'Invalid query parameter %s=%s: expected %s', description: 'A console endpoint under `/api/` got a query parameter it does not accept or a value out of its range; the message names the parameter and what it takes.' },
  MW_CONSOLE_UNAVAILABLE: { status: 503, message: 'The console is not built (%s is missing): run `npm run build`', description: '`/console` was asked for but the page bundle was not built (a checkout run without `npm run build`); the `/api/` endpoints still answer.' },
  MW_INTERNAL: { status: 500, message: 'Internal error (request %s); the log has the details', description: 'A bug: never caused by input. Report it with the request id.' },
  MW_CONFIG_INVALID: { status: 0, message: 'Invalid setting %s=%s: expected %s', description: 'A setting (environment variable or flag) has a bad value; the process exits with code 2.' },
  MW_ARTIFACT_INVALID: { status: 0, message: 'Model artifact %s is unusable: %s', description: 'A model file is corrupt, truncated, tampered with or of an incompatible format; it is refused.' },
  MW_UPSTREAM_UNREACHABLE: { status: 502, message: 'The model server at %s could not be reached (%s); the gateway answered instead of it', description: '`modelwatch gateway`: the upstream refused the connection, was not found, closed it before answering, or answered with something that is not HTTP (the message says which). Counted in `gateway_upstream_errors_total{kind}` and `gateway_backend_requests_total{status="error"}`.' },
  MW_UPSTREAM_TIMEOUT: { status: 504, message: 'The model server at %s did not answer within %d s (--timeout)', description: '`modelwatch gateway`: the upstream accepted the request but sent no answer in time. Counted in `gateway_upstream_errors_total{kind="timeout"}`.' },
  MW_GATEWAY_OVERLOADED: { status: 503, message: 'The gateway has %d calls to the model server in flight (--max-in-flight); retry shortly', description: '`modelwatch gateway`: the bound on calls in flight to the model server is reached; answered at once with `Retry-After` instead of queueing without limit. Counted in `gateway_requests_refused_total{reason="overloaded"}`.' },
  MW_UPSTREAM_CIRCUIT_OPEN: { status: 503, message: 'The model server at %s failed %d calls in a row; calls to it are paused, retry in %d s', description: '`modelwatch gateway`: the circuit breaker is open after consecutive failed calls (unreachable, timeout, reset); one probe goes through after `--circuit-open-seconds`, and an answer closes the circuit. Answered with `Retry-After`; counted in `gateway_requests_refused_total{reason="circuit_open"}`.' },
  MW_GATEWAY_BODY_TOO_LARGE: { status: 413, message: 'The body is larger than %d bytes (--body-limit); the model server did not get it', description: '`modelwatch gateway`: a request body over `--body-limit` bytes. Refused before any call when Content-Length says so; a chunked body is cut off at the limit and its call to the model server aborted (not counted against the model server).' },
  MW_IMPORT_REFUSED: { status: 0, message: 'import refused: %s', description: '`modelwatch import` could not register the model: the file is not a model of the given format, its objective or opset is not supported, its feature count does not match the features given, or a column is missing from the reference data. The message names the problem; nothing is written to the registry (exit code 1).' },
  MW_PROFILE_REFUSED: { status: 0, message: 'profile refused: %s', description: '`modelwatch profile` could not build a reference profile from the data: a column named by a flag is missing, a predictions column holds something that is not a class or a number, or the schema given does not fit the data. The message names the problem; nothing is written (exit code 1).' },
  MW_PROFILE_UPSTREAM_FAILED: { status: 0, message: 'scoring the reference data through %s failed: %s', description: '`modelwatch profile --upstream`: the model server could not be reached, answered an error status, answered something that is not JSON, or an answer the mapping could not read (no prediction where it says, fewer predictions than rows sent). The message names the URL and the problem; nothing is written (exit code 1).' },
  MW_PROFILE_INVALID: { status: 0, message: 'Reference profile %s is unusable: %s', description: 'A reference profile file (`modelwatch gateway --reference`) cannot be read, is not JSON, is not a `modelwatch-profile/1` file, or a field is missing, of the wrong type or inconsistent with the schema; the message names the field (exit code 2).' },
  MW_REGISTRY_EMPTY: { status: 0, message: 'The model registry %s has no current version; run `modelwatch train` first', description: 'No model has been registered in MODEL_DIR.' },
  MW_NO_MODEL_TO_SERVE: { status: 0, message: 'no model to serve: the registry %s has no current version%s', description: '`modelwatch serve` found no current version in MODEL_DIR and was not asked to train one (`--bootstrap`, BOOTSTRAP_MODEL=true); it exits with code 4 and says how to train or import a model.' },
  MW_REGISTRY_NOT_FOUND: { status: 0, message: 'no model registry at %s (%s); train a model into it with `modelwatch train --data <csv> --model-dir %s`, or point --model-dir (MODEL_DIR) at an existing registry', description: 'A `modelwatch model` command was pointed at a directory that is not a model registry (no versions/ directory and no CURRENT file); exit code 1.' },
  MW_VERSION_NOT_FOUND: { status: 404, message: 'Model version %s is not in the registry %s', description: 'A version named in POST /admin/reload, on the command line (exit code 1) or in the pointer file does not exist.' },
  MW_SETUP_UNREACHABLE: { status: 0, message: 'cannot reach %s at %s: %s; is it running? check --url', description: '`modelwatch setup` could not connect: connection refused, unknown host, an untrusted TLS certificate (pass --ca) or no answer within --timeout.' },
  MW_SETUP_UNAUTHORIZED: { status: 0, message: 'authentication failed at %s %s (%s): check --username/--password (ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD)', description: '`modelwatch setup` was answered 401: wrong or missing user name or password.' },
  MW_SETUP_FORBIDDEN: { status: 0, message: '%s refused to %s: %s', description: '`modelwatch setup` was answered 403: the user lacks the privilege the message names.' },
  MW_SETUP_FAILED: { status: 0, message: '%s could not %s: %s', description: '`modelwatch setup` got another error answer (bad request, conflict, server error, a saved object Kibana refused).' },
  MW_SCHEMA_INFERENCE_FAILED: { status: 0, message: '%s', description: 'A schema could not be inferred from a CSV: the target column is absent, constant or has empty cells, cannot have the task asked for, a column has too many categories, and so on; the message names the column and what to do. Exit code 2 when a flag is at fault (a column that is not in the file, a task or positive class the target cannot have), 1 when the data is.' },
  MW_SCHEMA_INVALID: { status: 0, message: 'Schema file %s is unusable: %s', description: 'A schema JSON file (`--schema`) cannot be read, is not JSON, or a field is missing, misspelt, of the wrong type or inconsistent (a default outside its range, classes that do not fit the task); the message names the field.' },
  MW_MAPPING_INVALID: { status: 0, message: 'Mapping file %s is unusable: %s', description: 'A gateway mapping file (`--mapping`) cannot be read, is not JSON, or a field is missing, misspelt, of the wrong type or inconsistent (a path that is not a JSON Pointer, a route that reads no features or no prediction); the message names the field.' },
  MW_VOCABULARY_INVALID: { status: 0, message: 'Vocabulary file %s is unusable: %s', description: 'A text model\'s vocabulary file (one token per line) cannot be read or holds no token.' },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

function coded(code: ErrorCode) {
  const { status, message } = ERROR_CODES[code];
  return createError(code, message, status || 500);
}

/**
 * A request whose body failed validation; carries the problems found, the first
 * MAX_LISTED_PROBLEMS of them (a batch of bad rows can have thousands), and how many more there were.
 */
export class InvalidInputError extends coded('MW_INVALID_INPUT') {
  readonly problems: readonly InputProblem[];
  readonly omitted: number;
  constructor(problems: readonly InputProblem[]) {
    const named = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => `${p.field}: expected ${p.expected}`).join('; ');
    super(problems.length > MAX_PROBLEMS_IN_MESSAGE ? `${named}; and ${problems.length - MAX_PROBLEMS_IN_MESSAGE} more (see problems)` : named);
    this.problems = problems.length > MAX_LISTED_PROBLEMS ? problems.slice(0, MAX_LISTED_PROBLEMS) : problems;
    this.omitted = problems.length - this.problems.length;
  }
}

export const InvalidJsonError = coded('MW_INVALID_JSON');
export const EmptyBodyError = coded('MW_EMPTY_BODY');
export const InvalidBatchError = coded('MW_INVALID_BATCH');
export const UnsupportedMediaTypeError = coded('MW_UNSUPPORTED_MEDIA_TYPE');
export const BodyTooLargeError = coded('MW_BODY_TOO_LARGE');
export const UnsupportedContentEncodingError = coded('MW_UNSUPPORTED_CONTENT_ENCODING');
export const InvalidContentEncodingError = coded('MW_INVALID_CONTENT_ENCODING');
export const MalformedRequestError = coded('MW_MALFORMED_REQUEST');
export const HeadersTooLargeError = coded('MW_HEADERS_TOO_LARGE');
export const RequestTimeoutError = coded('MW_REQUEST_TIMEOUT');
export const ShuttingDownError = coded('MW_SHUTTING_DOWN');
export const BadRequestError = coded('MW_BAD_REQUEST');
export const BatchTooLargeError = coded('MW_BATCH_TOO_LARGE');
export const InvalidFeedbackError = coded('MW_INVALID_FEEDBACK');
export const FeedbackBatchTooLargeError = coded('MW_FEEDBACK_BATCH_TOO_LARGE');
export const FeedbackUnknownIdError = coded('MW_FEEDBACK_UNKNOWN_ID');
export const FeedbackExpiredError = coded('MW_FEEDBACK_EXPIRED');
export const FeedbackConflictError = coded('MW_FEEDBACK_CONFLICT');
export const MonitoringDisabledError = coded('MW_MONITORING_DISABLED');
export const RouteNotFoundError = coded('MW_ROUTE_NOT_FOUND');
export const BadUrlError = coded('MW_BAD_URL');
export const ModelNotReadyError = coded('MW_MODEL_NOT_READY');
export const ModelNotFoundError = coded('MW_MODEL_NOT_FOUND');
export const ModelVersionNotServingError = coded('MW_MODEL_VERSION_NOT_SERVING');
export const InternalError = coded('MW_INTERNAL');
/** A console query parameter out of its range; the value is echoed cut to MAX_ECHO_CHARS. */
export class InvalidQueryError extends coded('MW_INVALID_QUERY') {
  constructor(name: string, value: string | undefined, expected: string) {
    super(echo(name), echo(String(value)), expected);
  }
}
export const ConsoleUnavailableError = coded('MW_CONSOLE_UNAVAILABLE');
export const RegistryEmptyError = coded('MW_REGISTRY_EMPTY');
export const UpstreamUnreachableError = coded('MW_UPSTREAM_UNREACHABLE');
export const UpstreamTimeoutError = coded('MW_UPSTREAM_TIMEOUT');
export const GatewayOverloadedError = coded('MW_GATEWAY_OVERLOADED');
export const UpstreamCircuitOpenError = coded('MW_UPSTREAM_CIRCUIT_OPEN');
export const GatewayBodyTooLargeError = coded('MW_GATEWAY_BODY_TOO_LARGE');
/** `modelwatch import` refusing a model; nothing was written. */
export class ImportError extends coded('MW_IMPORT_REFUSED') {
  constructor(problem: string) {
    super(problem);
  }
}
/** `modelwatch profile` refusing to build a profile; nothing was written. */
export class ProfileError extends coded('MW_PROFILE_REFUSED') {
  constructor(problem: string) {
    super(problem);
  }
}
/** `modelwatch profile --upstream`: scoring the reference rows through the model server failed. */
export class ProfileUpstreamError extends coded('MW_PROFILE_UPSTREAM_FAILED') {
  constructor(upstream: string, problem: string) {
    super(upstream, problem);
  }
}
/** A reference profile file that cannot be used; the message names the file, the field and the problem. */
export class ProfileInvalidError extends coded('MW_PROFILE_INVALID') {
  constructor(file: string, problem: string) {
    super(file, problem);
  }
}
export const VersionNotFoundError = coded('MW_VERSION_NOT_FOUND');
export const AdminUnauthorizedError = coded('MW_ADMIN_UNAUTHORIZED');
export const RegistryNotFoundError = coded('MW_REGISTRY_NOT_FOUND');

/** `modelwatch serve` on an empty registry without `--bootstrap`; the CLI prints it and exits with code 4. */
export class NoModelToServeError extends coded('MW_NO_MODEL_TO_SERVE') {
  /** The exit code of `modelwatch serve` when it refuses to start for want of a model. */
  static readonly EXIT_CODE = 4;
  readonly modelDir: string;
  constructor(modelDir: string, whatToDo: string) {
    super(modelDir, whatToDo);
    this.modelDir = modelDir;
  }
}
export const DrillInjectedError = coded('MW_DRILL_INJECTED');

export const SetupUnreachableError = coded('MW_SETUP_UNREACHABLE');
export const SetupUnauthorizedError = coded('MW_SETUP_UNAUTHORIZED');
export const SetupForbiddenError = coded('MW_SETUP_FORBIDDEN');
export const SetupFailedError = coded('MW_SETUP_FAILED');

/**
 * Schema inference refused the data or the options; the message names the column and the problem.
 * `usage` is true when an option is at fault (a column that does not exist, a task the target
 * cannot have), false when the data is (a constant target, too many categories).
 */
export class SchemaInferenceError extends coded('MW_SCHEMA_INFERENCE_FAILED') {
  readonly usage: boolean;
  constructor(problem: string, usage: boolean) {
    super(problem);
    this.usage = usage;
  }
}

/** An error about a file a flag names: the message names the file, the field at fault and the problem. */
function fileFieldError(code: ErrorCode) {
  return class extends coded(code) {
    readonly file: string;
    /** The field at fault as a path (`features[3].default`, `routes[0].request.rows`), or "" when the file as a whole is. */
    readonly field: string;
    constructor(file: string, field: string, problem: string) {
      super(file, field ? `${field} ${problem}` : problem);
      this.file = file;
      this.field = field;
    }
  };
}

/** A schema file that cannot be used. */
export class SchemaFileError extends fileFieldError('MW_SCHEMA_INVALID') {}

/** A gateway mapping file that cannot be used. */
export class MappingFileError extends fileFieldError('MW_MAPPING_INVALID') {}

/** A vocabulary file of a text model that cannot be used. */
export class VocabularyFileError extends coded('MW_VOCABULARY_INVALID') {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(file, problem);
    this.file = file;
  }
}

/** A setting with a bad value; the CLI prints it and exits with code 2. */
export class ConfigError extends coded('MW_CONFIG_INVALID') {
  readonly setting: string;
  constructor(setting: string, value: unknown, expected: string) {
    super(setting, JSON.stringify(value), expected);
    this.setting = setting;
  }
}

/** A model file that cannot be used; the message names the file and the problem. */
export class ArtifactError extends coded('MW_ARTIFACT_INVALID') {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(file, problem);
    this.file = file;
  }
}

/** A reload whose version could not be loaded; the message names the version, the reason and what still serves. */
export class ModelReloadFailedError extends coded('MW_MODEL_RELOAD_FAILED') {
  readonly version: string;
  readonly reason: string;
  constructor(version: string, reason: string, problem: string, serving: string) {
    super(version, reason, `${problem}; ${serving} is still serving`);
    this.version = version;
    this.reason = reason;
  }
}
