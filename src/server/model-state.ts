/**
 * The one mutable thing the routes share: which model version is serving. Swapping it is a single
 * assignment, so a request sees either the old model or the new one, never a mix. Whatever is
 * measured per version (metrics labels, the drift baseline) follows through `onServe` listeners.
 */
import type { ServingModel } from '../model/serving-model.js';

/** Holder of the serving model; `current` is undefined until the first model is loaded. */
export class ModelState {
  current: ServingModel | undefined;
  private readonly listeners: ((model: ServingModel) => void)[] = [];

  /** Makes `model` the serving version and tells the listeners. */
  serve(model: ServingModel): void {
    this.current = model;
    for (const listener of this.listeners) listener(model);
  }

  /**
   * Calls `listener` with every model that becomes current from now on, and at once with the
   * current one if there is one.
   *
   * @example state.onServe((model) => metrics.setServingModel(model));
   */
  onServe(listener: (model: ServingModel) => void): void {
    this.listeners.push(listener);
    if (this.current) listener(this.current);
  }
}
