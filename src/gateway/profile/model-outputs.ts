/**
 * What a model server said of each row, as the numbers the drift baseline is built from — the
 * native model's output vector (`ServingModel.predictOutputs`): binary P(positive class), multiclass
 * one probability per class in the schema's order, regression the value. Servers say less or say it
 * otherwise, and the rules to fill in are:
 *
 * - a label is a class name, or a class index in the server's class order (mapping/classes.ts, the
 *   rules the gateway reads live answers by);
 * - binary: `probability`; else `probabilities` (the positive class's); else the label with its
 *   `confidence` (1 without one): P(positive) is the confidence for the positive class, 1 − it for
 *   the negative;
 * - multiclass: `probabilities` (reordered from the server's class order to the schema's); else the
 *   label with its confidence (1 without one), the rest shared evenly by the other classes;
 * - regression: `value`, else a numeric label.
 *
 * A server that answers labels only gives a confidence baseline of certainties: live answers with
 * probabilities would then look drifted, so prefer a route (or a column) that gives probabilities.
 */
import type { ModelSchema } from '../../data/model-schema.js';
import { classLookup, classOf, classOrder, inSchemaOrder } from '../mapping/classes.js';
import type { ObservedOutput } from '../mapping/types.js';

/** Why an output could not be read: the row (0-based; -1 when no row is at fault) and the problem. */
export class OutputReadError extends Error {
  constructor(
    readonly row: number,
    readonly problem: string,
  ) {
    super(row < 0 ? problem : `row ${row + 1}: ${problem}`);
  }
}

/** Outputs per row of a task: 1 (binary P(positive), regression value) or one per class. */
export const outputsPerRow = (schema: ModelSchema): number => (schema.task === 'multiclass' ? schema.classes.length : 1);

/**
 * Reads every output as the model's output vector (see the module comment), row-major.
 * `serverClasses` is the order the server lists classes in (its probabilities and indexes): the
 * mapping's classes when it names them, else the schema's.
 *
 * @throws OutputReadError naming the row and what is wrong with it.
 * @example modelOutputs(schema, [{ label: 'yes', confidence: 0.8 }]) // Float64Array [0.8] (binary, yes positive)
 */
export function modelOutputs(schema: ModelSchema, outputs: readonly ObservedOutput[], serverClasses: readonly string[] = schema.classes): Float64Array {
  const width = outputsPerRow(schema);
  const result = new Float64Array(outputs.length * width);
  const toSchema = serverOrder(schema, serverClasses);
  const classIndex = classLookup(schema.classes);
  outputs.forEach((output, row) => {
    const fail = (problem: string): never => {
      throw new OutputReadError(row, problem);
    };
    if (schema.task === 'regression') {
      const value = output.value ?? (typeof output.label === 'number' ? output.label : undefined);
      if (value === undefined || !Number.isFinite(value)) fail(`no value in ${describe(output)}`);
      result[row] = value as number;
      return;
    }
    const probabilities = output.probabilities;
    if (probabilities !== undefined && (probabilities.length !== serverClasses.length || !probabilities.every(isProbability))) {
      fail(`probabilities ${JSON.stringify(probabilities)} are not ${serverClasses.length} numbers in [0, 1] (classes ${serverClasses.join(', ')})`);
    }
    if (schema.task === 'binary' && output.probability !== undefined) {
      if (!isProbability(output.probability)) fail(`probability ${output.probability} is not in [0, 1]`);
      result[row] = output.probability;
      return;
    }
    if (probabilities !== undefined) {
      const ordered = inSchemaOrder(probabilities, toSchema);
      if (schema.task === 'binary') result[row] = ordered[1];
      else result.set(ordered, row * width);
      return;
    }
    if (output.label === undefined) fail(`no label, probability or probabilities in ${describe(output)}`);
    const k = classOf(output.label as string | number, classIndex, toSchema);
    if (k === undefined) fail(`label ${JSON.stringify(output.label)} is not one of the classes ${schema.classes.join(', ')} nor a class index`);
    const confidence = output.confidence ?? 1;
    if (!isProbability(confidence)) fail(`confidence ${confidence} is not in [0, 1]`);
    if (schema.task === 'binary') {
      result[row] = k === 1 ? confidence : 1 - confidence;
      return;
    }
    const others = (1 - confidence) / (width - 1);
    for (let c = 0; c < width; c++) result[row * width + c] = c === k ? confidence : others;
  });
  return result;
}

const isProbability = (p: unknown): p is number => typeof p === 'number' && p >= 0 && p <= 1;

const describe = (output: ObservedOutput) => JSON.stringify(output).slice(0, 200);

/** For each schema class, its position in the server's order (none for regression). */
function serverOrder(schema: ModelSchema, serverClasses: readonly string[]): number[] {
  if (schema.task === 'regression') return [];
  const order = classOrder(schema.classes, serverClasses);
  if (!order) throw new OutputReadError(-1, `the server's classes (${serverClasses.join(', ')}) are not the data's (${schema.classes.join(', ')})`);
  return order;
}
