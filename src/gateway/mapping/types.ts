/**
 * What a mapping is: per route of a model server, where the features are in the request body and
 * where the prediction, probabilities or value are in the response body. A mapping turns one
 * answered request (both bodies, parsed JSON) into rows and outputs, which the gateway then observes
 * exactly as the native server observes its own predictions. Presets are mappings shipped for
 * well-known servers; `--mapping <file>` reads one from JSON.
 */
import type { ModelSchema, Task } from '../../data/model-schema.js';

/** One row as the request carries it: feature name → the JSON value sent (not yet validated). */
export type RawRow = Record<string, unknown>;

/**
 * What an answer says of one prediction. Any subset may be present; the gateway derives the rest
 * (a class from the top probability, a confidence from the probabilities, ...).
 */
export interface ObservedOutput {
  /** The predicted class as the server names it: a class name, or a class index (0/1 for binary). */
  readonly label?: string | number;
  /** Binary: the probability of the positive class. */
  readonly probability?: number;
  /** Every class's probability, in the server's class order (the mapping's or profile's classes). */
  readonly probabilities?: readonly number[];
  /** The probability of the predicted class, when the server reports only that. */
  readonly confidence?: number;
  /** Regression: the predicted value. */
  readonly value?: number;
}

/** What one answered request held: a row per prediction and an output per row, same length. */
export interface Observed {
  readonly rows: readonly RawRow[];
  readonly outputs: readonly ObservedOutput[];
}

/** Why a body could not be read (the `reason` label of ml_gateway_unmapped_total). */
export type UnmappedReason =
  /** The request body is not JSON (or not the shape the route expects at all). */
  | 'request_unreadable'
  /** The response body is not JSON. */
  | 'response_unreadable'
  /** No features where the mapping says they are. */
  | 'features_not_found'
  /** No prediction, probability or value where the mapping says they are. */
  | 'prediction_not_found'
  /** The request's rows and the response's predictions differ in number. */
  | 'row_count_mismatch'
  /** A body larger than the gateway keeps for observing (it was still forwarded). */
  | 'body_too_large'
  /** A predicted class that is not one of the model's classes (the profile's or the mapping's). */
  | 'unknown_class';

/** The result of reading one answered request. */
export type Extraction = { readonly ok: true; readonly observed: Observed } | { readonly ok: false; readonly reason: UnmappedReason; readonly detail: string };

/** What a route's reader may need to know of the model (from the reference profile, if any). */
export interface ExtractionContext {
  /** Feature names in the model's order: how a row sent as an array of values is named. */
  readonly featureNames?: readonly string[];
  /** Class names in the model's output order: how probabilities and class indexes are named. */
  readonly classes?: readonly string[];
  /** A text model's vocabulary (lower-cased tokens): the out-of-vocabulary share is measured against it. */
  readonly vocabulary?: ReadonlySet<string>;
  /**
   * What the model predicts, when known (the mapping's or the profile's): how a bare number in an
   * answer is read — a value for a regression, a probability for a binary model when within 0..1,
   * else a class index when whole.
   */
  readonly task?: Task;
}

/** One route a mapping declares. */
export interface MappedRoute {
  /** The `endpoint` label: the route template, e.g. `/v2/models/:name/infer`. */
  readonly endpoint: string;
  /** Matches a request path (query string removed). */
  readonly pattern: RegExp;
  /** The HTTP method observed (other methods on the path are forwarded and labelled, not observed). */
  readonly method: string;
  /**
   * Rows are always named `<request id>:<index>`, even a single one (modelwatch's /predict/batch);
   * otherwise a single row carries the request id itself.
   */
  readonly indexedRows?: boolean;
  /** Reads rows and outputs from the parsed request and response bodies. */
  extract(request: unknown, response: unknown, context: ExtractionContext): Extraction;
  /**
   * Builds the request that asks the server for predictions of `rows` (what `modelwatch profile`
   * sends to score reference data), or undefined when the route cannot be driven that way. A route
   * whose template has parameters (`/v2/models/:name/infer`) needs their values in `params`.
   */
  encode?(rows: readonly RawRow[], schema: ModelSchema, params?: Readonly<Record<string, string>>): { readonly path: string; readonly body: unknown } | undefined;
}

/** A whole mapping: its routes, and what it knows of the model without a profile. */
export interface Mapping {
  /** The preset's name, or the mapping file's path. */
  readonly name: string;
  readonly routes: readonly MappedRoute[];
  /** What the model predicts, when the mapping says (a profile's schema says it otherwise). */
  readonly task?: Task;
  /** Class names in the server's output order, when the mapping says. */
  readonly classes?: readonly string[];
  /**
   * A text model's mapping: rows are the features derived from the text (length, token count,
   * out-of-vocabulary share), named by {@link TEXT_FEATURES}.
   */
  readonly text?: boolean;
}

/** The features a text route derives from each text, in this order. */
export const TEXT_FEATURES = ['text_length', 'token_count', 'oov_share'] as const;
