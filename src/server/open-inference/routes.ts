/**
 * The paths of the Open Inference Protocol (KServe V2 REST), in one place: the plugin registers
 * them, observability and the fire drill count the infer routes as predict requests, and the error
 * handler answers every failure under `/v2` in the protocol's `{"error": "…"}` shape.
 */

/** The two inference routes (POST), as Fastify names them. */
export const OPEN_INFERENCE_INFER_ROUTES = ['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer'] as const;

/**
 * Whether a request URL (path and query) is under the protocol's `/v2` prefix.
 *
 * @example isOpenInferencePath('/v2/models/m/infer?x=1') // true
 * @example isOpenInferencePath('/v2x') // false
 */
export function isOpenInferencePath(url: string): boolean {
  return url.startsWith('/v2') && (url.length === 3 || url[3] === '/' || url[3] === '?');
}
