/**
 * Work to do once a request has been answered — recording it — run on the response's 'close', not
 * its 'finish': 'finish' (and Fastify's onResponse, which runs on it) never comes for an answer
 * whose client hung up first, so that request would go unrecorded. 'close' comes once for every
 * response, whatever the client does. A client that left before any answer was made got nothing,
 * and nothing is run for it. The work never throws out of the listener: an event listener's
 * exception would end the process, and no request may do that.
 *
 * The time is measured here: Fastify's `reply.elapsedTime` is 0 unless some onResponse hook exists,
 * and none does (any onResponse hook makes Fastify add two listeners to every response).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

/**
 * Runs `work` with the milliseconds since this call once the answer to `request` has been sent and
 * its response closed; a failure is logged (`what` names the work), never thrown.
 *
 * @example whenAnswered(request, reply, log, 'recording an answered request', (ms) => record(request, reply, ms));
 */
export function whenAnswered(request: FastifyRequest, reply: FastifyReply, log: Pick<Logger, 'error'> | undefined, what: string, work: (durationMs: number) => void): void {
  const start = performance.now();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) return;
    try {
      work(performance.now() - start);
    } catch (error) {
      log?.error({ err: error, request_id: request.id }, `${what} failed`);
    }
  });
}
