/**
 * Protocol errors. Each carries the RFC error code sent on the wire, the HTTP
 * status, a public description safe to send to the caller, and an optional
 * private cause that only ever reaches logs. HTTP headers are framed in
 * `src/http/error-response.ts`, not here.
 *
 * @module
 */

/** Every error code Registrar can answer with (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 7592). */
export type RegistrationErrorCode =
  | 'invalid_request'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'unapproved_software_statement'
  | 'invalid_token'
  | 'invalid_client'
  | 'access_denied'
  | 'too_many_requests'
  | 'temporarily_unavailable'
  | 'server_error';

/** `code` of a `StoreUnavailableError`. */
export type StoreUnavailableErrorCode = 'store_unavailable';

/** `code` of a `ConfigurationError`. */
export type ConfigurationErrorCode = 'configuration_error';

/** Characters outside what RFC 6749 section 5.2 allows in `error_description`: `%x20-21 / %x23-5B / %x5D-7E`. */
const OUTSIDE_DESCRIPTION = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
/** A value made only of characters an `error_description` allows, `'` aside. */
const ECHOABLE = /^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/;

/** The longest client-chosen value an `error_description` repeats, in characters. */
export const MAX_ECHOED_LENGTH = 64;

/**
 * `text` as an `error_description` may carry it (RFC 6749 section 5.2:
 * printable ASCII except `"` and `\`): every other character becomes `?`.
 */
export function descriptionText(text: string): string {
  return text.replace(OUTSIDE_DESCRIPTION, '?');
}

/**
 * A client-chosen value for a description: `'value'` when it is at most
 * `MAX_ECHOED_LENGTH` characters, all of them allowed in an `error_description`
 * and none a `'`; otherwise `otherwise`, which names the member without the value.
 */
export function quoted(value: string, otherwise: string): string {
  return value.length <= MAX_ECHOED_LENGTH && ECHOABLE.test(value) ? `'${value}'` : otherwise;
}

/**
 * A challenge for the `WWW-Authenticate` response header, as data: the
 * header text itself is framed by `errorHeaders` in `src/http/`.
 * `Bearer` with no `error` is RFC 6750 §3.1's answer to a missing token.
 */
export type AuthenticationChallenge =
  | { readonly scheme: 'Bearer'; readonly error?: 'invalid_token' }
  | { readonly scheme: 'Basic'; readonly realm: string };

/** Options of a `RegistrationError`. */
export interface RegistrationErrorOptions {
  /** The challenge a 401 answer carries in `WWW-Authenticate`. */
  readonly challenge?: AuthenticationChallenge;
  /** Seconds a caller should wait before retrying, sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** The private cause: logged, never sent. */
  readonly cause?: unknown;
}

/**
 * A failure answered with `{"error": code, "error_description": description}`.
 * `description` is public; `cause` is private and is only logged. The
 * description is kept within RFC 6749 section 5.2's characters whatever it was given.
 * The error holds no HTTP header: `errorHeaders` (exported from `registrar`)
 * frames the challenge and `Retry-After` from `challenge` and `retryAfterSeconds`.
 */
export class RegistrationError extends Error {
  /** The wire error code, a stable value to switch on. */
  readonly code: RegistrationErrorCode;
  /** The HTTP status code of the response. */
  readonly status: number;
  /** The public `error_description`. Never holds a secret, never the cause's text. */
  readonly description: string;
  /** The authentication challenge of a 401 answer, if any. */
  readonly challenge: AuthenticationChallenge | undefined;
  /** Seconds a caller should wait before retrying (429, 503), if known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: RegistrationErrorCode,
    description: string,
    options: RegistrationErrorOptions = {},
  ) {
    const text = descriptionText(description);
    // A refusal (4xx) is an answer to the client, not a fault: no stack is captured for it, which
    // was the largest cost of a flood's 429 and 400 answers. A server error (5xx) keeps its stack.
    // `Error.stackTraceLimit` is V8's (Node, Deno, Workers) and JavaScriptCore's; elsewhere it is absent and nothing changes.
    const engine = Error as ErrorConstructor & { stackTraceLimit?: number };
    const stackTraceLimit = engine.stackTraceLimit;
    if (status < 500 && stackTraceLimit !== undefined) engine.stackTraceLimit = 0;
    try {
      super(text, options.cause === undefined ? undefined : { cause: options.cause });
    } finally {
      if (stackTraceLimit !== undefined) engine.stackTraceLimit = stackTraceLimit;
    }
    this.name = 'RegistrationError';
    this.status = status;
    this.code = code;
    this.description = text;
    this.challenge = options.challenge;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 400 `invalid_request`: the request itself is malformed (RFC 7591 §3.2.2). */
export function invalidRequest(description: string, cause?: unknown): RegistrationError {
  return new RegistrationError(400, 'invalid_request', description, { cause });
}

/** 400 `invalid_redirect_uri` (RFC 7591 §3.2.2). */
export function invalidRedirectUri(description: string): RegistrationError {
  return new RegistrationError(400, 'invalid_redirect_uri', description);
}

/** 400 `invalid_client_metadata` (RFC 7591 §3.2.2). */
export function invalidClientMetadata(description: string, cause?: unknown): RegistrationError {
  return new RegistrationError(400, 'invalid_client_metadata', description, { cause });
}

/** 400 `invalid_software_statement` (RFC 7591 §3.2.2). */
export function invalidSoftwareStatement(description: string, cause?: unknown): RegistrationError {
  return new RegistrationError(400, 'invalid_software_statement', description, { cause });
}

/** 400 `unapproved_software_statement` (RFC 7591 §3.2.2). */
export function unapprovedSoftwareStatement(description: string, cause?: unknown): RegistrationError {
  return new RegistrationError(400, 'unapproved_software_statement', description, { cause });
}

/** 401 without an `error` attribute: a token was needed and none was sent (RFC 6750 §3.1). */
export function missingToken(description: string): RegistrationError {
  return new RegistrationError(401, 'invalid_request', description, { challenge: { scheme: 'Bearer' } });
}

/** 401 `invalid_token` (RFC 6750 §3.1). One description for every cause, so callers learn nothing. */
export function invalidToken(cause?: unknown): RegistrationError {
  return new RegistrationError(401, 'invalid_token', 'The access token is invalid, expired or revoked.', {
    challenge: { scheme: 'Bearer', error: 'invalid_token' },
    cause,
  });
}

/**
 * 401 `invalid_client`: client authentication at the token endpoint failed
 * (RFC 6749 §5.2). One description for every cause. When the client tried
 * HTTP Basic, the answer carries a Basic challenge (`realm` given).
 */
export function invalidClient(basicRealm?: string, cause?: unknown): RegistrationError {
  return new RegistrationError(401, 'invalid_client', 'Client authentication failed.', {
    ...(basicRealm === undefined ? {} : { challenge: { scheme: 'Basic', realm: basicRealm } }),
    cause,
  });
}

/** 403 `access_denied`: the store refused a deletion (RFC 7592 §2.3). */
export function accessDenied(description: string, cause?: unknown): RegistrationError {
  return new RegistrationError(403, 'access_denied', description, { cause });
}

/** 429 `too_many_requests` with `Retry-After` in seconds; a cap (docs/admission.md#caps) names itself in `description`. */
export function tooManyRequests(
  retryAfterSeconds: number,
  description = 'Too many requests; retry later.',
): RegistrationError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new RegistrationError(429, 'too_many_requests', description, {
    retryAfterSeconds: seconds,
  });
}

/** 503 `temporarily_unavailable` with `Retry-After`: the store cannot be reached. */
export function temporarilyUnavailable(cause?: unknown, retryAfterSeconds = 5): RegistrationError {
  return new RegistrationError(
    503,
    'temporarily_unavailable',
    'The registration service is temporarily unavailable; retry later.',
    { retryAfterSeconds, cause },
  );
}

/** 500 `server_error` with a generic description; the cause is only logged. */
export function serverError(cause?: unknown): RegistrationError {
  return new RegistrationError(500, 'server_error', 'The server encountered an internal error.', { cause });
}

/**
 * Thrown by a store when its database cannot be reached. Registrar answers
 * 503 `temporarily_unavailable` with `Retry-After` instead of 500.
 */
export class StoreUnavailableError extends Error {
  /** A stable code to switch on. */
  readonly code: StoreUnavailableErrorCode = 'store_unavailable';
  /** Seconds a caller should wait before retrying. */
  readonly retryAfterSeconds: number;

  constructor(
    message = 'The client store is unavailable.',
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
  }
}

/** Thrown at construction when a configuration cannot work. */
export class ConfigurationError extends TypeError {
  /** A stable code to switch on. */
  readonly code: ConfigurationErrorCode = 'configuration_error';

  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}
