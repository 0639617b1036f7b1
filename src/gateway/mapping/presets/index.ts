/**
 * The presets: mappings shipped for well-known model servers (`modelwatch gateway --preset <name>`),
 * one file each.
 */
import type { Mapping } from '../types.js';
import { BENTOML } from './bentoml.js';
import { FLASK } from './flask.js';
import { INSTANCES } from './instances.js';
import { NATIVE } from './native.js';
import { TEXT } from './text.js';
import { V2 } from './v2.js';

/** Presets by name. */
export const PRESETS = {
  /** modelwatch's own native API: `/predict`, `/predict/batch`. */
  native: NATIVE,
  /** The Open Inference Protocol V2 (KServe, MLServer, Triton, modelwatch's /v2). */
  v2: V2,
  /** A Flask or FastAPI app answering POST /predict. */
  flask: FLASK,
  /** BentoML JSON IO: POST /predict, /classify. */
  bentoml: BENTOML,
  /** A text-classification API answering POST /predict. */
  text: TEXT,
  /** TF Serving and KServe V1: POST /v1/models/<name>:predict. */
  instances: INSTANCES,
} as const satisfies Record<string, Mapping>;

/** A preset's name (`--preset`). */
export type PresetName = keyof typeof PRESETS;
/** Every preset's name, in the order `--help` lists them. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
