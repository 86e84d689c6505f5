/**
 * The shape of Registrar's one way out to the network (docs/operations.md#outbound-fetches-the-ssrf-guard). The core
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

/**
 * What an outbound request is for: a Client ID Metadata Document, a
 * `sector_identifier_uri` document, or a JWK Set (a software statement
 * issuer's or a client's `jwks_uri`). Metrics count fetches by it.
 */
export type OutboundPurpose = 'metadata_document' | 'sector_identifier' | 'jwks';

/** Per-call options. */
export interface OutboundRequestOptions {
  /** What the request is for; the fetcher itself treats every purpose alike. */
  readonly purpose?: OutboundPurpose;
  /** A tighter size cap than the fetcher's own, in bytes. */
  readonly maxBytes?: number;
  /** The `Accept` header to send. */
  readonly accept?: string;
}

/** Fetches an `https` URL safely, or rejects with `OutboundFetchError`. */
export type OutboundFetch = (url: string, options?: OutboundRequestOptions) => Promise<OutboundResponse>;

/** One address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/** Resolves a host name to every address it has; the default uses the system resolver. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** The `fetch` configuration key (docs/configuration.md): the safe fetcher's limits. */
export interface OutboundFetchOptions {
  /** The time cap for a whole request (resolution, connection, TLS, body), in milliseconds. Default 5000. */
  readonly timeoutMs?: number;
  /** The size cap for a response body, in bytes. Default 65536. */
  readonly maxBytes?: number;
  /** Lets loopback addresses (`127.0.0.0/8`, `::1`) through. For tests only. Default `false`. */
  readonly allowLoopback?: boolean;
  /** Certificate authorities (PEM) to trust instead of the system's. For tests only. */
  readonly ca?: string | readonly string[];
  /** A resolver in place of the system's. For tests only. */
  readonly resolve?: HostResolver;
}

/** Default `fetch.timeoutMs`. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5000;
/** Default `fetch.maxBytes`: 64 KiB. */
export const DEFAULT_FETCH_MAX_BYTES = 65536;

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
  /** A stable code to switch on; `describeFetchFailure` gives its public phrase. */
  readonly code: OutboundFetchFailure;

  constructor(code: OutboundFetchFailure, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutboundFetchError';
    this.code = code;
  }
}

/** Public phrases for each failure: they never name an address, a port or a peer's own words. */
const FAILURE_PHRASES: Readonly<Record<OutboundFetchFailure, string>> = {
  invalid_url: 'the URL is not valid',
  not_https: 'the URL does not use https',
  forbidden_address: 'its host is not a publicly reachable address',
  dns_failure: 'its host name could not be resolved',
  timeout: 'the request timed out',
  too_large: 'the response is larger than allowed',
  network: 'the connection failed',
};

/**
 * A phrase safe to put in an `error_description` for a failed fetch. The
 * error's own message stays private (it may name addresses).
 */
export function describeFetchFailure(error: unknown): string {
  return error instanceof OutboundFetchError ? FAILURE_PHRASES[error.code] : 'the request failed';
}
