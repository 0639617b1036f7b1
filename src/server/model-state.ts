/**
 * The one mutable thing the routes share: which model version is serving. Swapping it is a single
 * assignment, so a request sees either the old model or the new one, never a mix.
 */
import type { ServingModel } from '../model/serving-model.js';

/** Holder of the serving model; `current` is undefined until the first model is loaded. */
export class ModelState {
  current: ServingModel | undefined;

  /** Makes `model` the serving version. */
  serve(model: ServingModel): void {
    this.current = model;
  }
}
