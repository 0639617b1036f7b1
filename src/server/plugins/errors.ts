/**
 * Turns every failure into a coded JSON answer: the body names the code, the message and, for
 * invalid input, each problem. Fastify's own body-parser errors (bad JSON, wrong content type,
 * oversized body) are translated into modelwatch's codes so a client sees one vocabulary. Nothing
 * a client sends can produce a 500; if something does, it is a bug and is logged with its stack.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import {
  BodyTooLargeError, EmptyBodyError, InternalError, InvalidInputError, InvalidJsonError, RouteNotFoundError,
  UnsupportedMediaTypeError, type InputProblem, type RejectionReason,
} from '../../errors.js';
import type { Logger } from 'pino';

/** Reason label of each coded error that rejects a request's input. */
const REASON_BY_CODE: Record<string, RejectionReason> = {
  MW_INVALID_JSON: 'invalid_json',
  MW_EMPTY_BODY: 'empty_body',
  MW_INVALID_BATCH: 'invalid_batch',
  MW_UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  MW_BODY_TOO_LARGE: 'body_too_large',
  MW_BATCH_TOO_LARGE: 'batch_too_large',
  MW_INVALID_FEEDBACK: 'invalid_feedback',
  MW_FEEDBACK_BATCH_TOO_LARGE: 'batch_too_large',
};

/** Maps Fastify's body-parser errors onto modelwatch's coded errors. */
function translate(error: FastifyError, request: FastifyRequest, bodyLimit: number): FastifyError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(JSON.stringify(request.headers['content-type'] ?? '(none)'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(bodyLimit);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new EmptyBodyError();
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidJsonError(error.message);
    default:
      if (error instanceof SyntaxError || (error.statusCode === 400 && !error.code?.startsWith('MW_'))) return new InvalidJsonError(error.message);
      return error;
  }
}

/** Options of the error plugin. */
export interface ErrorPluginOptions {
  readonly bodyLimit: number;
  readonly log: Logger;
}

/**
 * Registers the error and not-found handlers for the whole app.
 *
 * @example await app.register(errorHandling, { bodyLimit: 262144, log });
 */
export const errorHandling = fp<ErrorPluginOptions>(async (app: FastifyInstance, { bodyLimit, log }) => {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const error = translate(raw, request, bodyLimit);
    const coded = error.code?.startsWith('MW_') || (error.statusCode !== undefined && error.statusCode < 500);
    const status = coded && error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 500) {
      log.error({ err: raw, request_id: request.id, endpoint: request.routeOptions.url ?? request.url }, 'unhandled error');
      return send(reply, 500, new InternalError(request.id));
    }
    const problems = error instanceof InvalidInputError ? error.problems : undefined;
    const reason = problems?.[0]?.reason ?? REASON_BY_CODE[error.code];
    if (reason) request.outcome = { kind: 'rejected', code: error.code, reason, message: error.message, problems };
    return send(reply, status, error, problems);
  });
  app.setNotFoundHandler((request, reply) => send(reply, 404, new RouteNotFoundError(request.method, request.url.split('?')[0])));
});

function send(reply: FastifyReply, status: number, error: FastifyError, problems?: readonly InputProblem[]) {
  return reply.code(status).send({
    statusCode: status,
    code: error.code,
    error: STATUS_CODES[status],
    message: error.message,
    request_id: reply.request.id,
    ...(problems ? { problems } : {}),
  });
}
