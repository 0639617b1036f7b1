/**
 * Every field modelwatch writes to its log, with its Elasticsearch type: the index template is
 * generated from this list, and a test writes real lines of every kind (predictions, rejections,
 * feedback, drift, service lines) and checks each of their fields is here with a matching type.
 *
 * The lines are Elastic Common Schema (ECS) lines (`ecs.version` 8.10.0): a field ECS defines is
 * written as ECS defines it and mapped with ECS's type and multi-fields (`message` is
 * `match_only_text`, `error.stack_trace` is `wildcard`, `http.response.status_code` is `long`, a URL
 * is `url.full`, never a string `url`, which ECS defines as an object). The service's own fields live
 * outside ECS's field sets (`request_id`, `prediction`, `drift.*`, `alert.*` …), so an ECS-mapped
 * index takes every line. test/stack-ecs.test.ts holds every written field and this list against
 * Elastic's published ECS definitions.
 */

/** An Elasticsearch field type used by the template. */
export type FieldType = 'date' | 'keyword' | 'text' | 'match_only_text' | 'wildcard' | 'integer' | 'long' | 'float' | 'boolean' | 'flattened';

/** One log field: its dotted path, type and meaning. */
export interface LogField {
  readonly path: string;
  readonly type: FieldType;
  readonly description: string;
  /** Multi-fields, by name (ECS's, for an ECS field that has them: `url.full.text`). */
  readonly fields?: Readonly<Record<string, FieldType>>;
}

const field = (path: string, type: FieldType, description: string, fields?: Record<string, FieldType>): LogField => ({ path, type, description, ...(fields ? { fields } : {}) });

/** The fields, grouped by who writes them. */
export const LOG_FIELDS: readonly LogField[] = [
  // ECS base, on every line (pino with @elastic/ecs-pino-format, and the prediction-line writer).
  field('@timestamp', 'date', 'When the line was made.'),
  field('log.level', 'keyword', 'ECS level: info, warn, error …'),
  field('level', 'keyword', 'Upper-case level beside ECS\'s log.level: INFO, WARNING, ERROR, CRITICAL.'),
  field('message', 'match_only_text', 'What happened.'),
  field('ecs.version', 'keyword', 'ECS version of the line.'),
  field('process.pid', 'long', 'Process id.'),
  field('host.hostname', 'keyword', 'Host name.'),
  field('service.name', 'keyword', 'SERVICE_NAME.'),
  field('event.dataset', 'keyword', '<service>.audit for request lines, <service>.service for operational ones.'),
  field('event.action', 'keyword', 'predict, feedback, drift, model_reload, alert, pipeline_…'),
  field('event.outcome', 'keyword', 'success or failure.'),
  // Request lines.
  field('request_id', 'keyword', 'The request id, as in the response.'),
  field('endpoint', 'keyword', 'Route template.'),
  field('prediction', 'integer', 'Predicted class (its index: 0 or 1 for a binary model, 0..C−1 for a multiclass one).'),
  field('label', 'keyword', "A multiclass model's predicted class name."),
  field('confidence', 'float', 'Probability of the predicted class.'),
  field('probability', 'float', 'Probability of class 1 (a multiclass model: of the predicted class).'),
  field('value', 'float', "A regression model's predicted value (its lines have no prediction, confidence or probability)."),
  field('duration', 'float', 'Milliseconds from request to response.'),
  field('model_type', 'keyword', 'Model family.'),
  field('model_version', 'keyword', 'Registry version.'),
  field('input_hash', 'keyword', 'Fingerprint of the complete row.'),
  field('input', 'flattened', 'The raw row, only with AUDIT_RAW_INPUTS=true.'),
  field('error.code', 'keyword', 'Coded error (MW_…).'),
  field('error.type', 'keyword', 'Rejection reason, or the error class of an unhandled error.'),
  field('error.message', 'match_only_text', 'Error message.'),
  field('error.stack_trace', 'wildcard', 'Stack of an unhandled error.', { text: 'match_only_text' }),
  field('problems.field', 'keyword', 'Field of an input problem.'),
  field('problems.reason', 'keyword', 'Reason of an input problem.'),
  field('problems.expected', 'text', 'What the field accepts.'),
  field('problems.got', 'keyword', 'What was sent (only with AUDIT_RAW_INPUTS=true).'),
  field('http.response.status_code', 'long', 'Status of a rejected request.'),
  field('trace.id', 'keyword', "The request's OpenTelemetry trace (32 hex digits), when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT)."),
  field('span.id', 'keyword', "The request's server span (16 hex digits), when tracing is on."),
  // Feedback lines.
  field('actual', 'integer', 'The label sent to /feedback, as a class index.'),
  field('actual_value', 'float', "A regression model's true value sent to /feedback."),
  field('absolute_error', 'float', "|predicted − actual| of a regression model's joined label."),
  field('correct', 'boolean', 'Whether the prediction was right.'),
  field('delay_seconds', 'float', 'Seconds from prediction to label.'),
  field('feedback.status', 'keyword', 'joined, duplicate, conflict, expired, unknown_id.'),
  field('feedback.first_actual', 'integer', 'The label that stands, for a conflict.'),
  field('feedback.first_actual_value', 'float', "The true value that stands, for a regression model's conflict."),
  field('feedback.age_seconds', 'float', 'Age of an expired prediction.'),
  // Drift lines.
  field('drift.feature', 'keyword', 'Feature whose PSI changed level.'),
  field('drift.signal', 'keyword', 'Model output (class, confidence; value for a regression model) whose PSI changed level.'),
  field('drift.psi', 'float', 'PSI at the tick.'),
  field('drift.level', 'keyword', 'ok, warning, critical.'),
  field('drift.previous_level', 'keyword', 'The level before.'),
  field('drift.threshold', 'float', 'The threshold crossed (0.1 or 0.2).'),
  // Alert lines: a catalogue alert evaluated in-process by the console went to firing, or resolved.
  field('alert.name', 'keyword', 'The catalogue alert (src/stack/catalogue/alerts.ts).'),
  field('alert.severity', 'keyword', 'critical or warning.'),
  field('alert.state', 'keyword', 'firing or resolved.'),
  field('alert.value', 'float', "The alert's $value when it changed state."),
  field('alert.labels', 'flattened', 'Labels of the instance, e.g. feature.'),
  field('alert.since', 'date', 'When the instance started firing.'),
  field('alert.for_seconds', 'float', 'The `for` waited (the catalogue’s times CONSOLE_ALERT_FOR_SCALE).'),
  field('alert.runbook', 'keyword', 'Section of docs/runbooks.md.'),
  field('alert.summary', 'text', 'The summary with the labels and value filled in.'),
  // Fire-drill lines: a predict request the drill failed or delayed on purpose, a drill's start and end.
  field('drill.effect', 'keyword', 'What a fire drill did to the request: error (answered 503 MW_DRILL_INJECTED) or latency (only delayed).'),
  field('drill.error_share', 'float', 'Share of predict requests the fire drill fails.'),
  field('drill.extra_latency_ms', 'float', 'Milliseconds the fire drill adds to each predict request.'),
  field('drill.seconds', 'integer', 'How long a fire drill was set to run.'),
  field('drill.failed', 'long', 'Requests a fire drill failed, when it ended.'),
  field('drill.delayed', 'long', 'Requests a fire drill only delayed, when it ended.'),
  // Training-pipeline lines (event.dataset <service>.pipeline).
  field('pipeline.name', 'keyword', 'Pipeline name (the `pipeline` grouping label of its pushed metrics).'),
  field('pipeline.run_id', 'keyword', 'One run of the pipeline.'),
  field('pipeline.step', 'keyword', 'Step: ingest, validate, split, train, evaluate, register, promote.'),
  field('pipeline.status', 'keyword', 'succeeded, failed or skipped (a step); success or failure (a run).'),
  field('pipeline.rows', 'long', 'Rows the step processed.'),
  field('pipeline.input', 'keyword', 'What the step read (for a failure: the input it failed on).'),
  field('event.duration', 'long', 'Duration of a step or run, in nanoseconds (ECS).'),
  field('promotion.outcome', 'keyword', 'promoted or rejected by the promotion gate.'),
  field('promotion.reason', 'text', "Why: the metrics compared with the current version's."),
  // Operational lines.
  field('url.full', 'wildcard', 'Where the service listens; where the pipeline pushed its metrics.', { text: 'match_only_text' }),
  field('port', 'integer', 'PORT.'),
  field('signal', 'keyword', 'A signal received (SIGTERM …).'),
  field('timeout_seconds', 'integer', 'SHUTDOWN_TIMEOUT_SECONDS, when it ran out.'),
  field('load_seconds', 'float', 'Time to load the model.'),
  field('previous_model_version', 'keyword', 'The version a hot reload switched away from.'),
  field('event.reason', 'keyword', 'What started a hot reload: watch, sighup, admin.'),
  field('model_dir', 'keyword', 'MODEL_DIR, when training a first model.'),
  field('data_source', 'keyword', 'Training data of a first model.'),
  field('iteration', 'integer', 'Training progress.'),
  field('max_iterations', 'integer', 'Training progress.'),
  field('seconds', 'float', 'Training time.'),
  field('holdout.accuracy', 'float', 'Holdout accuracy of a first model.'),
  field('holdout.auc', 'float', 'Holdout AUC of a first model.'),
  field('holdout.f1', 'float', 'Holdout F1 of a first model.'),
];
