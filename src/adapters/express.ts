/**
 * Express 5 adapter: Registrar as application middleware. Translation only:
 * the request reaches `registrar.handle` as the `node:http` adapter builds it,
 * the answer is written unchanged, and a path that is not Registrar's goes on
 * to `next()`.
 *
 * Mount it before any body parser and Registrar reads the raw body itself, so
 * the size cap, media type and JSON checks of docs/architecture.md#a-registration steps 5 to 7 see the
 * exact bytes. When a parser such as `express.json()` ran first, the stream is
 * already consumed; the adapter then takes what the parser left instead: the
 * raw text of a body it could not parse, a 413 for one over its limit, and the
 * parsed value (re-serialised, and measured against `maxBodyBytes` in that
 * form) for one it accepted. A parsed value nested deeper than
 * `MAX_JSON_DEPTH` is refused as a raw body would be (400 `invalid_request`),
 * before it is serialised again.
 *
 * ```ts
 * import express from 'express';
 * import { toExpressMiddleware } from 'registrar/express';
 * const app = express();
 * app.use(toExpressMiddleware(registrar));
 * ```
 *
 * @module
 */

import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { bodyTooDeep, jsonValueTooDeep } from '../core/credentials/encoding.js';
import type { RegistrarHandler, RegistrarRequest } from '../http/types.js';
import { fromNodeRequest, writeNodeResponse } from './node.js';

/**
 * The failures a body parser of the `body-parser` family (`express.json()`,
 * `express.text()`, ...) reports through `next(error)` that describe the
 * client's body rather than a decision of the host: `entity.parse.failed`
 * carries the text it could not parse, `entity.too.large` means the body was
 * over the parser's limit, and the other two are refusals made before the
 * body was read, which leave the stream to Registrar.
 */
const BODY_PARSER_FAILURES = new Set([
  'entity.parse.failed',
  'entity.too.large',
  'charset.unsupported',
  'encoding.unsupported',
]);

interface BodyParserError {
  readonly type: string;
  readonly body?: unknown;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && BODY_PARSER_FAILURES.has(type);
}

/**
 * The bytes a parser left in `req.body`: exact for a Buffer, UTF-8 for text,
 * JSON for anything parsed. Throws the body's 400 for a parsed value too
 * deep to serialise safely.
 */
function bytesOf(value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (jsonValueTooDeep(value)) throw bodyTooDeep();
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * Wraps an Express request. The URL is the original one (Express rewrites
 * `req.url` under a mount path), so Registrar matches it against the
 * issuer's path. `failure` is a body parser's error, when one ran first.
 */
function fromExpressRequest(req: Request, failure?: BodyParserError): RegistrarRequest {
  const request = fromNodeRequest(req, req.originalUrl);
  // Nothing has read the stream (no parser, or one that declined): Registrar reads it.
  if (!req.readableDidRead) return request;
  const consumed = async (): Promise<Uint8Array | null> => {
    if (failure?.type === 'entity.too.large') return null;
    return bytesOf(failure === undefined ? req.body : failure.body);
  };
  return {
    ...request,
    body: async (limit) => {
      const bytes = await consumed();
      return bytes === null || bytes.byteLength > limit ? null : bytes;
    },
  };
}

function respond(
  registrar: RegistrarHandler,
  request: RegistrarRequest,
  res: Response,
  pass: () => void,
  next: NextFunction,
): void {
  registrar.handle(request).then((response) => {
    if (response === null) return pass();
    writeNodeResponse(res, response);
  }, next);
}

/**
 * Express middleware for Registrar's endpoints. Returns a request handler and
 * an error handler (pass both to `app.use`, which accepts the pair as is): the
 * second answers, in Registrar's framing, the body-parser failures of a
 * parser mounted before it on Registrar's paths, and passes every other error on.
 * @see docs/mounting.md
 */
export function toExpressMiddleware(registrar: RegistrarHandler): [RequestHandler, ErrorRequestHandler] {
  const handler: RequestHandler = (req, res, next) => {
    respond(registrar, fromExpressRequest(req), res, () => next(), next);
  };
  const onBodyParserError: ErrorRequestHandler = (error, req, res, next) => {
    if (!isBodyParserError(error)) return next(error);
    respond(registrar, fromExpressRequest(req, error), res, () => next(error), next);
  };
  return [handler, onBodyParserError];
}
