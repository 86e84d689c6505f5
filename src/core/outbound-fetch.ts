/**
 * The shape of Registrar's one way out to the network (DESIGN §8). The core
 * only names it; `src/net/` implements it with the SSRF guard, and every
 * outbound request (sector identifiers, software-statement JWKS, Client ID
 * Metadata Documents, `jwks_uri`) goes through it.
 *
 * @module
 */

/** What a fetch brought back. */
export interface OutboundResponse {
  /** The HTTP status; redirects are returned as they are, never followed. */
  readonly status: number;
  /** Response headers, names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, at most the applicable size cap. */
  readonly body: Uint8Array;
}

/** Per-call options. */
export interface OutboundRequestOptions {
  /** A tighter size cap than the fetcher's own, in bytes. */
  readonly maxBytes?: number;
  /** The `Accept` header to send. */
  readonly accept?: string;
}

/** Fetches an `https` URL safely, or rejects with `OutboundFetchError`. */
export type OutboundFetch = (url: string, options?: OutboundRequestOptions) => Promise<OutboundResponse>;

/** Why an outbound fetch was refused or failed. */
export type OutboundFetchFailure =
  | 'invalid_url'
  | 'not_https'
  | 'forbidden_address'
  | 'dns_failure'
  | 'timeout'
  | 'too_large'
  | 'network';

/** A refused or failed outbound fetch. The message is private: it may name addresses. */
export class OutboundFetchError extends Error {
  readonly reason: OutboundFetchFailure;

  constructor(reason: OutboundFetchFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutboundFetchError';
    this.reason = reason;
  }
}
