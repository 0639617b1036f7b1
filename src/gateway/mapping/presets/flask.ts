/**
 * The classic Flask (or FastAPI) model app: `POST /predict` with one flat row object, answered by
 * `{"prediction": 0 | 1 | "yes", "confidence"?: p, "probability"?: p}`; a list of row objects is
 * answered by a list of answers (or by one object of lists).
 */
import { declareRoute } from '../declared-route.js';
import type { Mapping } from '../types.js';
import { readRowObjects, writeOneRowObject } from './row-objects.js';

/** The `flask` preset. */
export const FLASK: Mapping = {
  name: 'flask',
  routes: [declareRoute('/predict', readRowObjects, writeOneRowObject)],
};
