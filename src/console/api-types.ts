/**
 * The shapes of the console's JSON endpoints (`/api/…`), shared by the server that answers them and
 * the page that draws them. Types only: this file is compiled for Node and bundled for the browser.
 */

/** A chart series: one value per time of `t`, null where there is none. */
export type Points = (number | null)[];

/** The panel series GET /api/series returns, each computed as the named PromQL would be. */
export interface PanelSeries {
  /** ml_model_accuracy{source="live"}: the last QUALITY_WINDOW_SIZE labels. */
  readonly accuracy_live: Points;
  /** ml_model_accuracy{source="holdout"}. */
  readonly accuracy_holdout: Points;
  /** ml_model_estimated_accuracy: mean confidence over the drift window. */
  readonly accuracy_estimated: Points;
  /** rate(ml_predictions_total[1m]) * 60. */
  readonly predictions_per_minute: Points;
  /** ml_prediction_error_rate * 100 (the last 5 minutes). */
  readonly error_rate_percent: Points;
  /** histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])), in ms. */
  readonly latency_p95_ms: Points;
  /** rate(ml_predictions_by_class_total{prediction_class="0"}[1m]) * 60. */
  readonly no_subscribe_per_minute: Points;
  /** rate(ml_predictions_by_class_total{prediction_class="1"}[1m]) * 60. */
  readonly subscribe_per_minute: Points;
  /** ml_app_memory_bytes / 1024 / 1024. */
  readonly memory_mb: Points;
  /** ml_feedback_label_coverage_ratio * 100. */
  readonly feedback_coverage_percent: Points;
  /** Mean prediction-to-label delay of the labels joined in the last 5 minutes, in seconds. */
  readonly feedback_delay_seconds: Points;
  /** rate(ml_feedback_total[1m]) * 60: labels joined per minute. */
  readonly labels_per_minute: Points;
}

/** GET /api/series. */
export interface SeriesResponse {
  readonly range_seconds: number;
  /** Seconds between samples (MONITOR_INTERVAL_SECONDS). */
  readonly interval_seconds: number;
  /** Seconds between the points returned (samples are thinned to at most `max_points`). */
  readonly step_seconds: number;
  readonly max_points: number;
  /** Sample times, Unix seconds. */
  readonly t: number[];
  readonly series: PanelSeries;
  /** ml_feature_drift_psi per feature, then ml_prediction_drift_psi per signal (`class`, `confidence`). */
  readonly psi: Readonly<Record<string, Points>>;
  /** Predictions by class since start (ml_predictions_by_class_total): the pie of 000's dashboard. */
  readonly totals: {
    readonly no_subscribe: number | null;
    readonly subscribe: number | null;
    /** A multiclass model's predictions by class name since start (absent for a binary model). */
    readonly by_class?: Readonly<Record<string, number | null>>;
  };
  /** Seconds the last sample took (registry reads and in-process alerts). */
  readonly last_sample_seconds: number;
}

/** A drift level against the 0.1 and 0.2 lines; `warming_up` while PSI waits for DRIFT_MIN_SAMPLES predictions. */
export type DriftLevel = 'ok' | 'warning' | 'critical' | 'warming_up';

/** One monitored distribution in GET /api/drift. */
export interface DriftSignalView {
  readonly name: string;
  readonly family: 'feature' | 'prediction';
  /** PSI of the window at the last tick; null below DRIFT_MIN_SAMPLES. */
  readonly psi: number | null;
  readonly level: DriftLevel;
  /** Each baseline bin: its training (or holdout) share and its share in the current window. */
  readonly bins: readonly { readonly label: string; readonly baseline: number; readonly current: number }[];
}

/** GET /api/drift. */
export interface DriftResponse {
  readonly model_version: string | null;
  readonly window_predictions: number;
  readonly window_size: number;
  readonly min_samples: number;
  readonly thresholds: { readonly warning: number; readonly critical: number };
  readonly signals: readonly DriftSignalView[];
}

/** Where an alert stands in the console. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'needs_prometheus';

/** One labelled instance of an alert whose condition holds. */
export interface AlertInstanceView {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly state: 'pending' | 'firing';
  /** When the condition started to hold (ISO time). */
  readonly active_since: string;
  /** When it started firing (ISO time), once it has. */
  readonly firing_since: string | null;
  /** The summary with this instance's labels and value. */
  readonly summary: string;
  readonly description: string;
}

/** One catalogue alert in GET /api/alerts. */
export interface AlertView {
  readonly name: string;
  readonly severity: 'critical' | 'warning';
  readonly state: AlertState;
  readonly summary: string;
  readonly expr: string;
  /** The catalogue's `for`, e.g. "10m". */
  readonly for: string;
  /** The `for` the console waits: the catalogue's times CONSOLE_ALERT_FOR_SCALE. */
  readonly for_seconds: number;
  /** Section of docs/runbooks.md. */
  readonly runbook: string;
  readonly instances: readonly AlertInstanceView[];
}

/** GET /api/alerts. */
export interface AlertsResponse {
  /** Time of the last evaluation (ISO), null before the first. */
  readonly evaluated_at: string | null;
  readonly for_scale: number;
  readonly alerts: readonly AlertView[];
}

/** GET /api/logs. */
export interface LogsResponse {
  /** Lines the window keeps (CONSOLE_LOG_LINES). */
  readonly capacity: number;
  /** Lines in it now. */
  readonly held: number;
  /** Lines that match the filters. */
  readonly matched: number;
  /** The newest `limit` of them, newest first, as written. */
  readonly lines: readonly Readonly<Record<string, unknown>>[];
}
