/**
 * Pieces of responses that more than one entry point sends: the JSON
 * headers, the 404 for paths that are not Registrar's, and the CORS
 * allow-origin decision.
 *
 * @module
 */

import type { Settings } from '../core/config/settings.js';
import type { RegistrarResponse } from './types.js';

/** The headers of every JSON answer: never cached (RFC 7591 §3.2.1, RFC 6749 §5.1). */
export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

/** The error of the 404 for a path that is not Registrar's. */
export const NOT_FOUND_ERROR: Readonly<{ error: string; error_description: string }> = Object.freeze({
  error: 'invalid_request',
  error_description: 'No such endpoint.',
});

/** The whole 404 for a path that is not Registrar's, for servers that answer it themselves. */
export const NOT_FOUND: RegistrarResponse = Object.freeze({
  status: 404,
  headers: JSON_HEADERS as Record<string, string>,
  body: JSON.stringify(NOT_FOUND_ERROR),
});

/**
 * The `access-control-allow-origin` (and `vary`) headers for a request from
 * `origin` under the `cors` setting: `*`, the origin itself when it is
 * listed, or none.
 */
export function allowOriginHeaders(
  cors: Settings<unknown>['cors'],
  origin: string | null | undefined,
): Record<string, string> {
  if (cors === false || origin === null || origin === undefined) return {};
  if (cors.origins === '*') return { 'access-control-allow-origin': '*' };
  return cors.origins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
}

/** The media type of a `Content-Type` value, lower-case and without parameters. */
export function mediaType(contentType: string | null | undefined): string | undefined {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase();
}
