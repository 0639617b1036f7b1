/**
 * Reads a model file given to `modelwatch import` far enough to know what it is: its task (from
 * the library's objective), how many features it reads and, when the file records them, their
 * names and the order of each categorical column's categories.
 */
import type { Task } from '../../data/model-schema.js';
import { ImportError } from '../../errors.js';
import { readLightgbmModel } from '../trees/lightgbm.js';
import type { TreeEnsemble } from '../trees/ensemble.js';
import { readXgboostModel } from '../trees/xgboost.js';

/** The formats `modelwatch import --format` takes. */
export const IMPORT_FORMATS = ['xgboost', 'lightgbm', 'onnx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What a model file says about itself. */
export interface ReadModel {
  readonly format: 'xgboost-json' | 'lightgbm-text' | 'onnx';
  /** The task its objective implies (undefined for ONNX, whose graph does not say). */
  readonly task?: Task;
  readonly objective?: string;
  /** Features the model reads (undefined for ONNX until its encoding is known). */
  readonly nFeatures?: number;
  readonly featureNames?: readonly string[];
  /** Per categorical column in feature order, the categories in code order, when the file records them. */
  readonly categoryOrder?: readonly (readonly string[] | undefined)[];
  /**
   * Per feature, whether the model reads it as categorical (category codes) — from the file's
   * feature types when it has them, else from where its trees split by category.
   */
  readonly categorical?: readonly boolean[];
  readonly ensemble?: TreeEnsemble;
}

const TASK_OF: Readonly<Record<string, Task>> = {
  'binary:logistic': 'binary',
  'multi:softprob': 'multiclass',
  'multi:softmax': 'multiclass',
  'reg:squarederror': 'regression',
  binary: 'binary',
  multiclass: 'multiclass',
  regression: 'regression',
};

/**
 * Reads `bytes` as a model of `format`.
 *
 * @throws ImportError naming the file and what is wrong with it.
 */
export function readModelFile(format: ImportFormat, bytes: Buffer, file: string): ReadModel {
  try {
    if (format === 'xgboost') {
      const m = readXgboostModel(bytes.toString('utf8'), file);
      const categorical = m.featureTypes ? m.featureTypes.map((t) => t === 'c') : splitsByCategory(m.ensemble);
      return { format: 'xgboost-json', task: TASK_OF[m.objective], objective: m.objective, nFeatures: m.ensemble.nFeatures, featureNames: m.featureNames, categorical, ensemble: m.ensemble };
    }
    if (format === 'lightgbm') {
      const m = readLightgbmModel(bytes.toString('utf8'), file);
      const categoryOrder = m.pandasCategorical?.map((cats) => cats.map(String));
      // feature_infos: `[min:max]` for a numeric feature, the codes seen (`0:1:2`) for a categorical one, `none` for one never split on.
      const fromSplits = splitsByCategory(m.ensemble);
      const categorical = m.featureInfos.length ? m.featureInfos.map((info, i) => fromSplits[i] || (info !== 'none' && !info.startsWith('['))) : fromSplits;
      return { format: 'lightgbm-text', task: TASK_OF[m.objective], objective: m.objective, nFeatures: m.ensemble.nFeatures, featureNames: m.featureNames, categoryOrder, categorical, ensemble: m.ensemble };
    }
    return { format: 'onnx' };
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(`${file}: ${(error as Error).message}`);
  }
}

/** Per feature, whether any tree of the ensemble splits on it by category. */
function splitsByCategory(ensemble: TreeEnsemble): boolean[] {
  const categorical = new Array<boolean>(ensemble.nFeatures).fill(false);
  for (const tree of ensemble.trees) tree.feature.forEach((f, n) => f >= 0 && tree.leftCategories[n] && (categorical[f] = true));
  return categorical;
}
