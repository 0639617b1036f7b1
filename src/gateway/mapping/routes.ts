/**
 * Choosing a mapping and, per request, its route. Metrics label a request by its declared route, or
 * `other`, so a client probing random paths cannot grow the label set.
 */
import { readMappingFile } from './mapping-file.js';
import { PRESETS, type PresetName } from './presets/index.js';
import type { MappedRoute, Mapping } from './types.js';

/** The label of any path no route declares. */
export const OTHER_ENDPOINT = 'other';

/** What endpointOf needs of a route: its label and the paths it matches. */
export interface DeclaredEndpoint {
  readonly endpoint: string;
  readonly pattern: RegExp;
}

/**
 * The endpoint label of a request path (the query string already removed), whatever the method.
 *
 * @example endpointOf(PRESETS.v2.routes, '/v2/models/iris/infer') // '/v2/models/:name/infer'
 */
export function endpointOf(declared: readonly DeclaredEndpoint[], path: string): string {
  for (const d of declared) if (d.pattern.test(path)) return d.endpoint;
  return OTHER_ENDPOINT;
}

/**
 * The route that observes a request, or undefined when none does (another method, or a path no
 * route declares: it is forwarded and labelled, not observed).
 *
 * @example routeOf(PRESETS.native, 'POST', '/predict/batch')?.endpoint // '/predict/batch'
 */
export function routeOf(mapping: Mapping, method: string, path: string): MappedRoute | undefined {
  const upper = method.toUpperCase();
  for (const route of mapping.routes) if (route.method === upper && route.pattern.test(path)) return route;
  return undefined;
}

/** Where a mapping comes from: a preset's name, or a mapping file. */
export type MappingSource = PresetName | { readonly file: string };

/**
 * The mapping of a preset, or read from a file (checked; see mapping-file.ts).
 *
 * @example mappingFor('v2').name // 'v2'
 * @example mappingFor({ file: 'mapping.json' }).routes.length
 * @throws {MappingFileError} for a file that cannot be used, naming the field.
 */
export function mappingFor(source: MappingSource): Mapping {
  return typeof source === 'string' ? PRESETS[source] : readMappingFile(source.file);
}
