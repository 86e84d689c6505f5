/**
 * The HTTP framing of errors: the headers an error's answer carries
 * (`WWW-Authenticate` from its challenge, RFC 6750 §3 and RFC 7617 §2;
 * `Retry-After` from its `retryAfterSeconds`, RFC 9110 §10.2.3; `Allow` on
 * 405, RFC 9110 §15.5.6) and the errors only HTTP gives rise to (405, 413).
 * Core errors carry data; the header text is written here.
 *
 * @module
 */

import { type AuthenticationChallenge, RegistrationError } from '../core/errors.js';

/** 405 `invalid_request`: the method is not one of `allowed`, which the `Allow` header lists. */
export class MethodNotAllowedError extends RegistrationError {
  /** The methods the path answers, in the order the `Allow` header lists them. */
  readonly allowed: readonly string[];

  constructor(allowed: readonly string[]) {
    super(405, 'invalid_request', `Method not allowed; allowed: ${allowed.join(', ')}.`);
    this.allowed = allowed;
  }
}

/** 405 `invalid_request` with the `Allow` header listing what is mounted. */
export function methodNotAllowed(allowed: readonly string[]): MethodNotAllowedError {
  return new MethodNotAllowedError(allowed);
}

/** 413 `invalid_request`: the body is larger than `maxBodyBytes`. */
export function payloadTooLarge(limit: number): RegistrationError {
  return new RegistrationError(413, 'invalid_request', `The request body exceeds ${limit} bytes.`);
}

/**
 * The `WWW-Authenticate` value of a challenge: `Bearer`,
 * `Bearer error="invalid_token"` or `Basic realm="..."` (the realm without
 * `"` and `\`, which a quoted string would need escaped).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 */
export function challengeHeader(challenge: AuthenticationChallenge): string {
  if (challenge.scheme === 'Basic') return `Basic realm="${challenge.realm.replace(/["\\]/g, '')}"`;
  return challenge.error === undefined ? 'Bearer' : `Bearer error="${challenge.error}"`;
}

/**
 * The response headers of an error's answer, beside `content-type`:
 * `www-authenticate` for a challenge, `retry-after` for a known wait, `allow`
 * for a 405. A host answering `authenticateClient`'s `RegistrationError` at
 * its own token endpoint spreads these into its response (docs/client-authentication.md).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function errorHeaders(error: RegistrationError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.challenge !== undefined) headers['www-authenticate'] = challengeHeader(error.challenge);
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  return headers;
}
