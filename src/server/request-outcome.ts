/**
 * What a request produced, stashed on the request by the handler and read once by the
 * observability hook after the response is sent: metrics and audit lines are written there, off the
 * path between a request and its answer.
 */
import type { InputProblem, RejectionReason } from '../errors.js';
import type { Row } from '../data/schema.js';
import type { ServingModel } from '../model/serving-model.js';

/** One prediction of a request (a batch has several). */
export interface PredictionRecord {
  readonly requestId: string;
  /** The predicted class's index in `schema.classes` (0..C−1); 0 for regression. */
  readonly prediction: number;
  /** The predicted class's name (`schema.classes[prediction]`); empty for regression. */
  readonly label: string;
  /** Probability of the predicted class (the top probability); NaN for regression. */
  readonly confidence: number;
  /** Binary: probability of the positive class; multiclass: the top probability; NaN for regression. */
  readonly probability: number;
  /** Multiclass: every class's probability, in the schema's class order. */
  readonly probabilities?: readonly number[];
  /** Regression: the predicted value. */
  readonly value?: number;
  readonly row: Row;
}

/** The outcome of a predict request. */
export type RequestOutcome =
  | { readonly kind: 'predicted'; readonly model: ServingModel; readonly modelVersion: string; readonly modelType: string; readonly predictions: readonly PredictionRecord[] }
  | { readonly kind: 'rejected'; readonly code: string; readonly reason: RejectionReason; readonly message: string; readonly problems?: readonly InputProblem[] };

declare module 'fastify' {
  interface FastifyRequest {
    outcome: RequestOutcome | null;
  }
}
