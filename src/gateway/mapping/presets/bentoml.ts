/**
 * BentoML's JSON IO: `POST /<api_name>` with a row object or a list of them, answered by a bare
 * value (a class or a number), a list of them, an answer object (`prediction`, `probability`, …)
 * or a list of those. The preset declares the usual API names `/predict` and `/classify`; a service
 * with other names is described by a mapping file.
 */
import { declareRoute } from '../declared-route.js';
import type { Mapping } from '../types.js';
import { readRowObjects, writeOneRowObject } from './row-objects.js';

/** The `bentoml` preset. */
export const BENTOML: Mapping = {
  name: 'bentoml',
  routes: [declareRoute('/predict', readRowObjects, writeOneRowObject), declareRoute('/classify', readRowObjects, writeOneRowObject)],
};
