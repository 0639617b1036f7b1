/**
 * What the gateway knows of the model servers it can stand in front of: per preset, the routes
 * that are the model's endpoints. Metrics label a request by its declared route, or `other`, so a
 * client probing random paths cannot grow the label set.
 */

/** One declared endpoint: its label and the request paths it matches. */
export interface DeclaredEndpoint {
  readonly endpoint: string;
  readonly pattern: RegExp;
}

const exact = (path: string): DeclaredEndpoint => ({ endpoint: path, pattern: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
const segment = '[^/]+';

/** Presets by name (`modelwatch gateway --preset <name>`). */
export const PRESETS = {
  /** modelwatch's own native API. */
  native: [exact('/predict'), exact('/predict/batch')],
  /** The Open Inference Protocol V2 (KServe, MLServer, Triton, modelwatch's /v2). */
  v2: [
    { endpoint: '/v2/models/:name/infer', pattern: new RegExp(`^/v2/models/${segment}/infer$`) },
    { endpoint: '/v2/models/:name/versions/:version/infer', pattern: new RegExp(`^/v2/models/${segment}/versions/${segment}/infer$`) },
  ],
  /** A Flask or FastAPI app, or a text API, answering POST /predict. */
  flask: [exact('/predict')],
  text: [exact('/predict')],
  /** TF Serving and KServe V1: POST /v1/models/<name>:predict. */
  instances: [{ endpoint: '/v1/models/:name:predict', pattern: new RegExp(`^/v1/models/${segment}:predict$`) }],
} as const satisfies Record<string, readonly DeclaredEndpoint[]>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The label of any path no preset route declares. */
export const OTHER_ENDPOINT = 'other';

/**
 * The endpoint label of a request path (the query string already removed).
 *
 * @example endpointOf(PRESETS.v2, '/v2/models/iris/infer') // '/v2/models/:name/infer'
 */
export function endpointOf(declared: readonly DeclaredEndpoint[], path: string): string {
  for (const d of declared) if (d.pattern.test(path)) return d.endpoint;
  return OTHER_ENDPOINT;
}
