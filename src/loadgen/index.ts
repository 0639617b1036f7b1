/** The load generator: `runLoad` drives POST /predict at a steady rate (and POST /feedback with the true labels); the rest formats and describes it. */
export { MALFORMED_KINDS, malformedRequest, validRequest, type MalformedKind, type WireRequest } from './malformed.js';
export { formatProgress, formatSummary } from './report.js';
export { runLoad } from './run.js';
export type { EndReason, FeedbackSummary, LatencySummary, LoadOptions, LoadProgress, LoadSummary } from './types.js';
