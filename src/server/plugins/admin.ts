/**
 * POST /admin/reload: switch the serving model now, to the version CURRENT names or to a named one.
 * Registered only when ADMIN_TOKEN is set (otherwise the path is an unknown route, 404), and every
 * request must carry `Authorization: Bearer <ADMIN_TOKEN>`, checked before the body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AdminUnauthorizedError, InvalidInputError, ModelReloadFailedError } from '../../errors.js';
import type { ModelReloader } from '../model-reloader.js';

/** Options of {@link registerAdminRoutes}. */
export interface AdminRouteOptions {
  /** ADMIN_TOKEN. */
  readonly token: string;
  readonly reloader: Pick<ModelReloader, 'reload'>;
}

const BEARER = /^Bearer +(\S+) *$/i;

// Digests have one length whatever was sent, so timingSafeEqual neither throws on a length
// mismatch nor lets the time taken reveal how long the token is or how much of it matched.
const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * The onRequest hook every admin route carries: `Authorization: Bearer <token>`, checked before the
 * body is read; anything else is 401 MW_ADMIN_UNAUTHORIZED.
 *
 * @example app.post('/admin/drill', { onRequest: adminAuthorization(config.ADMIN_TOKEN) }, handler);
 */
export function adminAuthorization(adminToken: string): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  const expected = digest(adminToken);
  return (request, reply, done) => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token !== undefined && timingSafeEqual(digest(token), expected)) return done();
    reply.header('www-authenticate', 'Bearer realm="modelwatch-admin"');
    done(new AdminUnauthorizedError(token === undefined ? 'no bearer token was sent' : 'the token is wrong'));
  };
}

/**
 * Registers the admin routes.
 *
 * @example await app.register(registerAdminRoutes, { token: config.ADMIN_TOKEN, reloader });
 */
export async function registerAdminRoutes(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  const authorize = adminAuthorization(options.token);

  app.post('/admin/reload', { onRequest: authorize }, async (request) => {
    const version = versionOf(request.body);
    const result = await options.reloader.reload('admin', version);
    switch (result.status) {
      case 'reloaded':
        return { status: result.status, from: result.from ?? null, to: result.to, load_seconds: result.loadSeconds };
      case 'unchanged':
        return { status: result.status, from: result.from, to: result.to };
      case 'failed':
        throw new ModelReloadFailedError(result.to ?? '(none)', result.reason, result.error.message, result.from ?? 'no model');
    }
  });
}

/** Longest version name looked up; registry versions are `v` and a number. */
const MAX_VERSION_LENGTH = 64;

/** The optional `version` of the body: no body, `{}` or `{"version": "v3"}`. */
function versionOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidInputError([{ field: '(body)', reason: 'wrong_type', expected: 'no body, or an object {"version": "v3"}', got: Array.isArray(body) ? 'array' : typeof body }]);
  }
  const version = (body as Record<string, unknown>).version;
  if (version === undefined || (typeof version === 'string' && version.length <= MAX_VERSION_LENGTH)) return version;
  // A name longer than any version is refused here, so the answer never echoes it whole.
  if (typeof version === 'string') {
    throw new InvalidInputError([{ field: 'version', reason: 'wrong_type', expected: `a registered version name such as "v3" (at most ${MAX_VERSION_LENGTH} characters)`, got: `${version.length} characters` }]);
  }
  throw new InvalidInputError([{ field: 'version', reason: 'wrong_type', expected: 'a registered version name such as "v3"', got: version === null ? null : typeof version }]);
}
