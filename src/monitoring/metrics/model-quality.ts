/**
 * The model family: ml_model_accuracy, ml_model_precision, ml_model_recall, ml_model_f1_score (and
 * ml_model_class_recall{class} for multiclass models; ml_model_mae and ml_model_rmse instead for
 * regression models) by model_version and source ("holdout" from the artifact, "live" from joined
 * ground truth), ml_model_load_seconds, and ml_model_info.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ModelSchema } from '../../data/model-schema.js';
import { isRegressionHoldout, type TaskHoldoutMetrics } from '../../model/serving-model.js';
import type { WindowMetrics } from '../quality/quality-window.js';
import type { MulticlassWindowMetrics, RegressionWindowMetrics } from '../quality/task-windows.js';

/** What a loaded model reports about itself. */
export interface ModelFacts {
  readonly version: string;
  readonly type: string;
  readonly loadSeconds: number;
  readonly holdout: TaskHoldoutMetrics;
  /** Its task and classes (a binary model's when absent). */
  readonly schema?: Pick<ModelSchema, 'task' | 'classes'>;
}

/**
 * Live quality over the last QUALITY_WINDOW_SIZE labelled predictions: the binary figures, the
 * multiclass ones (macro averages and per-class recall) or a regression's errors.
 */
export type LiveQuality = WindowMetrics | MulticlassWindowMetrics | RegressionWindowMetrics;

/** Setters of the model family. */
export interface ModelQualityRecorders {
  /** Called whenever a model version becomes current; the previous version's series are removed. */
  setServingModel(model: ModelFacts): void;
  /** Sets (or, with undefined, removes) the `source="live"` series of the serving version. */
  setLiveQuality(modelVersion: string, live: LiveQuality | undefined): void;
}

const ACCURACY_FAMILY = ['accuracy', 'precision', 'recall', 'f1'] as const;
const ERRORS = ['mae', 'rmse'] as const;

/**
 * Registers the family. Holdout and live values sit side by side under one name, told apart by
 * `source`, so a dashboard draws both with one query. What a version exports follows its task: the
 * accuracy family for classification (precision, recall and F1 of class 1 for a binary model, macro
 * averages for a multiclass one, which also exports ml_model_class_recall per class), ml_model_mae
 * and ml_model_rmse for regression — whose accuracy family is absent, so accuracy alerts stay silent.
 *
 * @example createModelQualityMetrics(registry).setServingModel(loaded)
 */
export function createModelQualityMetrics(registry: Registry): ModelQualityRecorders {
  const labelNames = ['model_version', 'source'] as const;
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] });
  const quality = {
    accuracy: gauge('ml_model_accuracy', 'Model accuracy (0..1) by source: holdout at training time, live from ground truth.'),
    precision: gauge('ml_model_precision', 'Model precision for class 1 (0..1) by source (a multiclass model: the macro average over its classes).'),
    recall: gauge('ml_model_recall', 'Model recall for class 1 (0..1) by source (a multiclass model: the macro average over its classes).'),
    f1: gauge('ml_model_f1_score', 'Model F1 score for class 1 (0..1) by source (a multiclass model: the macro average over its classes).'),
  };
  const errors = {
    mae: gauge('ml_model_mae', 'Mean absolute error of a regression model, in the target\'s unit, by source: holdout at training (or import) time, live from ground truth.'),
    rmse: gauge('ml_model_rmse', 'Root mean squared error of a regression model, in the target\'s unit, by source: holdout at training (or import) time, live from ground truth.'),
  };
  const classRecall = new Gauge({
    name: 'ml_model_class_recall',
    help: 'Recall of each class of a multiclass model (0..1) by source; a class with no labels in the live window has no live series.',
    labelNames: ['model_version', 'source', 'class'] as const,
    registers: [registry],
  });
  const load = new Gauge({ name: 'ml_model_load_seconds', help: 'Time taken to load (read, verify, compile) the serving model version, in seconds.', labelNames: ['model_version'] as const, registers: [registry] });
  const info = new Gauge({ name: 'ml_model_info', help: 'The serving model version and type (value 1).', labelNames: ['model_version', 'model_type'] as const, registers: [registry] });
  let classes: readonly string[] = [];
  const setClassRecall = (labels: { model_version: string; source: string }, recalls: readonly number[]) => {
    recalls.forEach((recall, c) => {
      if (c >= classes.length) return;
      const withClass = { ...labels, class: classes[c] };
      if (Number.isFinite(recall)) classRecall.set(withClass, recall);
      else classRecall.remove(withClass);
    });
  };
  return {
    setServingModel(model) {
      for (const g of [...Object.values(quality), ...Object.values(errors), classRecall, load, info]) g.reset();
      classes = model.schema?.task === 'multiclass' ? model.schema.classes : [];
      const labels = { model_version: model.version, source: 'holdout' };
      const holdout = model.holdout;
      if (isRegressionHoldout(holdout)) {
        for (const metric of ERRORS) errors[metric].set(labels, holdout[metric]);
      } else {
        for (const metric of ACCURACY_FAMILY) quality[metric].set(labels, holdout[metric]);
        if ('classRecall' in holdout) setClassRecall(labels, holdout.classRecall);
      }
      load.set({ model_version: model.version }, model.loadSeconds);
      info.set({ model_version: model.version, model_type: model.type }, 1);
    },
    setLiveQuality(modelVersion, live) {
      const labels = { model_version: modelVersion, source: 'live' };
      if (!live) {
        for (const metric of ACCURACY_FAMILY) quality[metric].remove(labels);
        for (const metric of ERRORS) errors[metric].remove(labels);
        for (const name of classes) classRecall.remove({ ...labels, class: name });
        return;
      }
      if ('mae' in live) {
        for (const metric of ERRORS) errors[metric].set(labels, live[metric]);
        return;
      }
      for (const metric of ACCURACY_FAMILY) quality[metric].set(labels, live[metric]);
      if ('classRecall' in live) setClassRecall(labels, live.classRecall);
    },
  };
}
