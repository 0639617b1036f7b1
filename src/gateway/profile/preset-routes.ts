/**
 * ADAPTER, to be replaced at merge: how `modelwatch profile --preset/--mapping` finds the mapping it
 * scores reference rows with. The mapping module (src/gateway/mapping/index.ts, `mappingFor`) owns
 * presets and mapping files; until it is merged, this file stands in for it with the one preset the
 * profile's tests drive end to end — `native`, a modelwatch server's POST /predict/batch — and
 * refuses the others by name. At merge, `mappingFor` here becomes a re-export of the mapping
 * module's, and this file goes.
 */
import type { ModelSchema } from '../../data/model-schema.js';
import type { Extraction, MappedRoute, Mapping, ObservedOutput, RawRow } from '../mapping/types.js';

/** One prediction of modelwatch's /predict/batch answer. */
interface NativePrediction {
  prediction?: number;
  label?: string;
  confidence?: number;
  probability?: number;
  probabilities?: Record<string, number>;
  value?: number;
}

/** modelwatch's own POST /predict/batch: `{"rows": [...]}` → `{"predictions": [...]}`. */
const nativeBatch: MappedRoute = {
  endpoint: '/predict/batch',
  pattern: /^\/predict\/batch$/,
  method: 'POST',
  extract(request: unknown, response: unknown, context): Extraction {
    const rows = (request as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows)) return { ok: false, reason: 'features_not_found', detail: 'the request has no "rows" array' };
    const predictions = (response as { predictions?: unknown } | null)?.predictions;
    if (!Array.isArray(predictions)) return { ok: false, reason: 'prediction_not_found', detail: 'the answer has no "predictions" array' };
    if (predictions.length !== rows.length) return { ok: false, reason: 'row_count_mismatch', detail: `${rows.length} rows, ${predictions.length} predictions` };
    const outputs = (predictions as NativePrediction[]).map((p): ObservedOutput => {
      if (typeof p.value === 'number') return { value: p.value };
      const probabilities = p.probabilities && context.classes ? context.classes.map((c) => p.probabilities![c]) : undefined;
      // Multiclass answers' `probability` is the top class's; only a binary answer's is P(positive).
      const binary = probabilities === undefined;
      return { label: p.label ?? p.prediction, confidence: p.confidence, ...(binary ? { probability: p.probability } : { probabilities }) };
    });
    return { ok: true, observed: { rows: rows as RawRow[], outputs } };
  },
  encode: (rows: readonly RawRow[], _schema: ModelSchema) => ({ path: '/predict/batch', body: { rows } }),
};

/** The presets this adapter knows (the mapping module adds v2, flask, bentoml, text, instances). */
export const ADAPTER_PRESETS = ['native'] as const;

/**
 * The mapping of a preset name (or, once the mapping module is merged, a mapping file).
 *
 * @throws Error naming the preset when this build cannot drive it yet.
 * @example mappingFor('native').routes[0].endpoint // '/predict/batch'
 */
export function mappingFor(presetOrFile: string): Mapping {
  if (presetOrFile === 'native') return { name: 'native', routes: [nativeBatch] };
  throw new Error(`cannot score through "${presetOrFile}" in this build: only the ${ADAPTER_PRESETS.join(', ')} preset can drive a model server here; give the model's predictions with --predictions-column instead`);
}
