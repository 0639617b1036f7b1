/**
 * Turns every failure into a coded JSON answer: the body names the code, the message and, for
 * invalid input, each problem. Fastify's own body-parser errors (bad JSON, wrong content type,
 * oversized body) are translated into modelwatch's codes so a client sees one vocabulary, and so are
 * the errors Node answers before any request exists (malformed HTTP, oversized headers, a timeout).
 * Nothing a client sends can produce a 500; if something does, it is a bug and is logged with its stack.
 *
 * What an answer echoes of the request is bounded: values, paths and headers are cut at
 * MAX_ECHO_CHARS where the errors are made, and here, whatever made the error, a message is cut at
 * MAX_MESSAGE_CHARS, at most MAX_LISTED_PROBLEMS problems are listed and a problem's `got` is never
 * an object (a nested one could be deeper than the serializer's stack).
 *
 * Under `/v2` (the Open Inference Protocol) the same answer is shaped as that protocol asks:
 * `{"error": "<message>", "code", "request_id", "problems"}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import {
  BadRequestError, BodyTooLargeError, EmptyBodyError, HeadersTooLargeError, InternalError, InvalidInputError, InvalidJsonError, MalformedRequestError, MAX_ECHO_CHARS,
  RequestTimeoutError, RouteNotFoundError, UnsupportedMediaTypeError, echo, echoValue, type InputProblem, type RejectionReason,
} from '../../errors.js';
import type { Logger } from 'pino';
import { isOpenInferencePath } from '../open-inference/routes.js';

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
  MW_UNSUPPORTED_CONTENT_ENCODING: 'unsupported_encoding',
  MW_INVALID_CONTENT_ENCODING: 'invalid_encoding',
};

/** Longest message an error answer carries. */
const MAX_MESSAGE_CHARS = 1000;

/** Maps Fastify's body-parser errors onto modelwatch's coded errors. */
function translate(error: FastifyError, request: FastifyRequest, bodyLimit: number): FastifyError {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(JSON.stringify(echo(request.headers['content-type'] ?? '(none)')));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BodyTooLargeError(bodyLimit);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new EmptyBodyError();
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new InvalidJsonError(echo(error.message));
    default:
      if (error instanceof SyntaxError || (error.statusCode === 400 && !error.code?.startsWith('MW_'))) return new InvalidJsonError(echo(error.message));
      // Any other 4xx of the HTTP layer keeps its status, in modelwatch's vocabulary.
      if (!error.code?.startsWith('MW_') && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return Object.assign(new BadRequestError(echo(error.message)), { statusCode: error.statusCode });
      }
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
      return send(reply, 500, 'MW_INTERNAL', new InternalError(request.id).message);
    }
    const invalid = error instanceof InvalidInputError ? error : undefined;
    const problems = invalid ? bounded(invalid.problems) : undefined;
    const message = echo(error.message, MAX_MESSAGE_CHARS);
    const reason = problems?.[0]?.reason ?? REASON_BY_CODE[error.code];
    if (reason) request.outcome = { kind: 'rejected', code: error.code, reason, message, problems };
    return send(reply, status, error.code, message, problems, invalid?.omitted);
  });
  app.setNotFoundHandler((request, reply) => send(reply, 404, 'MW_ROUTE_NOT_FOUND', new RouteNotFoundError(request.method, echo(request.url.split('?')[0])).message));
});

/**
 * Problems as an answer lists them (InvalidInputError keeps at most MAX_LISTED_PROBLEMS), each `got`
 * a bounded scalar: the sources cut strings at MAX_ECHO_CHARS already, this is the net for any that did not.
 */
function bounded(problems: readonly InputProblem[]): InputProblem[] {
  return problems.map((p) => ('got' in p ? { ...p, got: echoValue(p.got, 2 * MAX_ECHO_CHARS) } : p));
}

function send(reply: FastifyReply, status: number, code: string, message: string, problems?: readonly InputProblem[], omitted = 0) {
  // The Open Inference Protocol's error object is {"error": "<message>"}; it allows more properties,
  // so the code, the request id and the problems are kept beside it.
  if (isOpenInferencePath(reply.request.url)) {
    return reply.code(status).send({
      error: message,
      code,
      request_id: reply.request.id,
      ...(problems ? { problems } : {}),
      ...(omitted > 0 ? { problems_omitted: omitted } : {}),
    });
  }
  return reply.code(status).send({
    statusCode: status,
    code,
    error: STATUS_CODES[status],
    message,
    request_id: reply.request.id,
    ...(problems ? { problems } : {}),
    ...(omitted > 0 ? { problems_omitted: omitted } : {}),
  });
}

/**
 * Fastify's `clientErrorHandler`: what Node cannot parse as a request (or gets too slowly) is
 * answered in the same coded JSON shape, without a request id (there is no request yet), and the
 * connection is closed, as Node does.
 *
 * @example Fastify({ clientErrorHandler: answerClientError })
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, coded] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, new RequestTimeoutError(REQUEST_TIMEOUT_SECONDS)]
    : error.code === 'HPE_HEADER_OVERFLOW' ? [431, new HeadersTooLargeError(maxHeaderSize)]
    : [400, new MalformedRequestError(echo(error.code ?? 'unparseable', 40))];
  const body = JSON.stringify({ statusCode: status, code: coded.code, error: STATUS_CODES[status], message: coded.message });
  // As Node's own handler: no answer written into the middle of one already begun on this connection.
  const begun = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !begun) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** Fastify's requestTimeout, set in app.ts: the whole request must arrive within it. */
export const REQUEST_TIMEOUT_SECONDS = 30;
