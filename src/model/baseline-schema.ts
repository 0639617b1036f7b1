/**
 * The JSON Schema (TypeBox) of a stored `TrainingBaseline` (baseline.ts): what a version's artifact and a
 * gateway's reference profile both carry. Kept apart from artifact.ts so that reading a profile does
 * not load the model code.
 */
import { Type } from '@sinclair/typebox';

const Num = Type.Number();

/** A numeric feature's (or the model's confidence or value) bins. */
export const NumericBaselineSchema = Type.Object({ kind: Type.Literal('numeric'), points: Type.Array(Num), upperEdges: Type.Array(Num), labels: Type.Array(Type.String()), shares: Type.Array(Num) });

/** One feature's bins: numeric or categorical. */
export const FeatureBaselineSchema = Type.Union([
  NumericBaselineSchema,
  Type.Object({ kind: Type.Literal('categorical'), labels: Type.Array(Type.String()), shares: Type.Array(Num) }),
]);

/** A whole `TrainingBaseline`: feature bins, label class shares, and the bins of the model's outputs. */
export const TrainingBaselineSchema = Type.Object({
  rows: Type.Integer({ minimum: 0 }),
  features: Type.Record(Type.String(), FeatureBaselineSchema),
  // Binary [class 0, class 1] (what every version so far wrote); multiclass one per class; regression [].
  classShares: Type.Array(Num),
  // Classification: class shares (a 2-tuple for binary, as written so far) and confidence bins; regression: value bins.
  predictions: Type.Optional(Type.Object({ classShares: Type.Optional(Type.Array(Num)), confidence: Type.Optional(NumericBaselineSchema), value: Type.Optional(NumericBaselineSchema) })),
});
