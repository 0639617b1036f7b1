/**
 * A route's path template, as Fastify and the Open Inference Protocol write them:
 * `/v2/models/:name/infer`. A segment that starts with `:name` has a parameter there, which matches
 * one or more characters other than `/`; whatever follows the name in the segment is literal, so
 * TF Serving's `/v1/models/:name:predict` is the parameter `name` followed by `:predict`.
 */

/** A compiled template: its label, its matcher, and how to fill it in. */
export interface RouteTemplate {
  /** The template as written: the route's `endpoint` label. */
  readonly endpoint: string;
  /** Matches a request path (query string removed). */
  readonly pattern: RegExp;
  /** The parameters' names, in order. */
  readonly params: readonly string[];
  /** The path with every parameter filled in (each value percent-encoded), or undefined when one is not given. */
  fill(values?: Readonly<Record<string, string>>): string | undefined;
}

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)(.*)$/;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles a template; throws an Error saying what is wrong with one that is not a path.
 *
 * @example compileTemplate('/v1/models/:name:predict').pattern.test('/v1/models/iris:predict') // true
 * @example compileTemplate('/v2/models/:name/infer').fill({ name: 'iris' }) // '/v2/models/iris/infer'
 */
export function compileTemplate(template: string): RouteTemplate {
  if (!template.startsWith('/')) throw new Error(`${JSON.stringify(template)} is not a path: it must start with "/"`);
  if (/[?#\s]/.test(template)) throw new Error(`${JSON.stringify(template)} is not a path template: it has a query, a fragment or a space`);
  const params: string[] = [];
  const parts: ({ param: string; rest: string } | { literal: string })[] = [];
  for (const segment of template.slice(1).split('/')) {
    const param = PARAM.exec(segment);
    if (segment.startsWith(':') && !param) throw new Error(`${JSON.stringify(template)} has a parameter without a name in the segment ${JSON.stringify(segment)}`);
    if (param) {
      if (params.includes(param[1])) throw new Error(`${JSON.stringify(template)} names the parameter ${param[1]} twice`);
      params.push(param[1]);
      parts.push({ param: param[1], rest: param[2] });
    } else parts.push({ literal: segment });
  }
  const source = parts.map((p) => ('literal' in p ? escape(p.literal) : `[^/]+${escape(p.rest)}`)).join('/');
  return {
    endpoint: template,
    pattern: new RegExp(`^/${source}$`),
    params,
    fill(values) {
      let path = '';
      for (const p of parts) {
        if ('literal' in p) path += `/${p.literal}`;
        else {
          const value = values?.[p.param];
          if (value === undefined || value === '') return undefined;
          path += `/${encodeURIComponent(value)}${p.rest}`;
        }
      }
      return path;
    },
  };
}
