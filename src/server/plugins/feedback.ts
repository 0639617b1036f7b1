/**
 * POST /feedback and POST /feedback/batch: delayed ground truth. A label is joined with the stored
 * prediction of the same request id; joined labels feed the confusion counters (or a regression's
 * error sums) and live quality. `actual` is read by the serving model's task (feedback-labels.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  echoValue, EmptyBodyError, FeedbackBatchTooLargeError, FeedbackConflictError, FeedbackExpiredError, FeedbackUnknownIdError, InvalidFeedbackError,
  InvalidInputError, MonitoringDisabledError, type InputProblem,
} from '../../errors.js';
import { BANK_SCHEMA, type ModelSchema } from '../../data/model-schema.js';
import type { ModelMonitor } from '../../monitoring/model-monitor.js';
import type { LabelOutcome } from '../../monitoring/quality/prediction-store.js';
import { labelReader, type LabelReader } from '../feedback-labels.js';
import type { ModelState } from '../model-state.js';

/** Options of {@link registerFeedbackRoutes}. */
export interface FeedbackRouteOptions {
  /** Absent when MODEL_MONITORING is off: the routes then answer 503. */
  readonly monitor?: ModelMonitor;
  readonly batchMaxItems: number;
  /** PREDICTION_STORE_TTL_SECONDS, named in the answer to an expired label. */
  readonly ttlSeconds: number;
  /** The serving model, whose task says what `actual` is (a bank-marketing model's labels without it). */
  readonly state?: Pick<ModelState, 'current'>;
}

/** A validated label. */
interface Label {
  readonly requestId: string;
  /** A class index, or a regression's true value. */
  readonly actual: number;
}

const MAX_ID_LENGTH = 256;

/** Every problem with one feedback item; `prefix` locates it in a batch. */
function problemsOf(item: unknown, read: LabelReader, prefix = ''): InputProblem[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return [{ field: prefix.replace(/\.$/, '') || '(body)', reason: 'wrong_type', expected: 'an object {"request_id", "actual"}', got: item === null ? null : Array.isArray(item) ? 'array' : typeof item }];
  }
  const body = item as Record<string, unknown>;
  const problems: InputProblem[] = [];
  const id = body.request_id;
  if (id === undefined) problems.push({ field: `${prefix}request_id`, reason: 'missing_field', expected: 'the request_id /predict answered' });
  else if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    problems.push({ field: `${prefix}request_id`, reason: 'wrong_type', expected: `a non-empty string of at most ${MAX_ID_LENGTH} characters`, got: typeof id === 'string' ? `${id.length} characters` : echoValue(id) });
  }
  const label = read(body.actual, `${prefix}actual`);
  if (!label.ok) {
    // What was sent is echoed bounded: a string cut, an array or object named by its type.
    if (body.actual === undefined) problems.push({ field: label.problem.field, reason: 'missing_field', expected: label.problem.expected });
    else problems.push(label.problem);
  }
  return problems;
}

const labelOf = (item: Record<string, unknown>, read: LabelReader): Label => ({ requestId: item.request_id as string, actual: (read(item.actual, 'actual') as { actual: number }).actual });

/** The JSON a client gets for one label. */
function resultOf(label: Label, outcome: LabelOutcome) {
  const result: Record<string, unknown> = { request_id: label.requestId, status: outcome.status, actual: label.actual };
  if (outcome.status === 'joined' || outcome.status === 'duplicate' || outcome.status === 'conflict') {
    result.predicted = outcome.prediction.predicted;
    result.model_version = outcome.prediction.modelVersion;
  }
  if (outcome.status === 'joined') result.delay_seconds = outcome.delaySeconds;
  if (outcome.status === 'conflict') result.first_actual = outcome.actual;
  if (outcome.status === 'expired') result.age_seconds = outcome.ageSeconds;
  return result;
}

/**
 * Registers the feedback routes.
 *
 * @example await app.register(registerFeedbackRoutes, { monitor, batchMaxItems: 1000, ttlSeconds: 604_800 });
 */
export async function registerFeedbackRoutes(app: FastifyInstance, options: FeedbackRouteOptions): Promise<void> {
  const { monitor, batchMaxItems } = options;
  const requireMonitor = (): ModelMonitor => {
    if (!monitor) throw new MonitoringDisabledError();
    return monitor;
  };
  const reader = (): LabelReader => labelReader(options.state?.current?.schema ?? (BANK_SCHEMA as ModelSchema));

  app.post('/feedback', async (request) => {
    const active = requireMonitor();
    if (request.body === undefined) throw new EmptyBodyError();
    const read = reader();
    const problems = problemsOf(request.body, read);
    if (problems.length) throw new InvalidInputError(problems);
    const label = labelOf(request.body as Record<string, unknown>, read);
    const outcome = active.feedback(label.requestId, label.actual, '/feedback');
    switch (outcome.status) {
      case 'unknown_id':
        throw new FeedbackUnknownIdError(label.requestId);
      case 'expired':
        throw new FeedbackExpiredError(label.requestId, Math.round(outcome.ageSeconds), options.ttlSeconds);
      case 'conflict':
        throw new FeedbackConflictError(label.requestId, outcome.actual, label.actual);
      default:
        return resultOf(label, outcome);
    }
  });

  app.post('/feedback/batch', async (request) => {
    const active = requireMonitor();
    const body = request.body as { feedback?: unknown } | undefined | null;
    if (body === undefined) throw new EmptyBodyError();
    if (body === null || typeof body !== 'object' || !Array.isArray(body.feedback)) throw new InvalidFeedbackError('expected an object with a "feedback" array');
    const items = body.feedback as unknown[];
    if (items.length === 0) throw new InvalidFeedbackError('"feedback" is empty');
    if (items.length > batchMaxItems) throw new FeedbackBatchTooLargeError(items.length, batchMaxItems);
    const read = reader();
    const problems = items.flatMap((item, i) => problemsOf(item, read, `feedback[${i}].`));
    if (problems.length) throw new InvalidInputError(problems);
    const tally = { joined: 0, duplicate: 0, conflict: 0, expired: 0, unknown_id: 0 };
    const results = items.map((item) => {
      const label = labelOf(item as Record<string, unknown>, read);
      const outcome = active.feedback(label.requestId, label.actual, '/feedback/batch');
      tally[outcome.status]++;
      return resultOf(label, outcome);
    });
    return { ...tally, results };
  });
}
