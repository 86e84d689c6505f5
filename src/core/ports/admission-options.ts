/**
 * The shapes of the admission settings (docs/configuration.md, docs/admission.md): initial access
 * tokens (RFC 7591 §3) and software statements (RFC 7591 §2.3). They are
 * configuration data; `src/admission` puts them to work.
 *
 * @module
 */

import type { MetadataPolicy } from '../metadata/registration-policy.js';

/**
 * What a verifier answers for a presented initial access token: `true` or an
 * object to admit (the object may carry a policy for the client), anything
 * else to refuse with 401 `invalid_token`.
 */
export type InitialAccessTokenVerdict = boolean | null | undefined | { readonly policy?: MetadataPolicy };

/**
 * A host function judging a presented initial access token. A throw is a
 * fault (500 `server_error`; 503 for `StoreUnavailableError`), never admission.
 */
export type InitialAccessTokenVerifier = (
  token: string,
) => InitialAccessTokenVerdict | Promise<InitialAccessTokenVerdict>;

/** The long form of `initialAccessToken`: any combination of the three sources. */
export interface InitialAccessTokenOptions {
  /** A static token, compared by hash in constant time. */
  readonly token?: string;
  /** A host verifier, asked when the static token does not match. */
  readonly verify?: InitialAccessTokenVerifier;
  /**
   * Accept tokens kept in the store (`registrar tokens create`), asked last;
   * the `registration` store must implement `InitialAccessTokenStore`.
   */
  readonly stored?: boolean;
}

/** `initialAccessToken`: a static token, a verifier, or the long form. */
export type InitialAccessTokenOption = string | InitialAccessTokenVerifier | InitialAccessTokenOptions;

/** A JSON Web Key Set (RFC 7517 §5) of public keys. */
export interface JsonWebKeySet {
  readonly keys: readonly Record<string, unknown>[];
}

/** How a trusted software-statement issuer's keys are found. */
export type TrustedIssuer = { readonly jwks: JsonWebKeySet } | { readonly jwks_uri: string };

/** `softwareStatement` (RFC 7591 §2.3). */
export interface SoftwareStatementOptions {
  /** Trusted issuers by their exact `iss` value, each with inline keys or an `https` JWKS URL. */
  readonly issuers: Readonly<Record<string, TrustedIssuer>>;
  /** Refuse registrations without a statement. Default `false`. */
  readonly required?: boolean;
  /** Accepted `alg` values. Default: `signingAlgValuesSupported`. `none` is never accepted. */
  readonly algorithms?: readonly string[];
  /** Seconds a fetched JWKS is reused before it is fetched again. Default 600. */
  readonly jwksCacheSeconds?: number;
}

/** The outcome of the software-statement step (docs/architecture.md#a-registration step 8). */
export interface StatementOutcome {
  /** The request members with the statement's claims merged over them. */
  readonly document: Record<string, unknown>;
  /** The statement exactly as sent, to store and echo; absent when none was sent. */
  readonly softwareStatement?: string;
  /** Its verified claims. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * Verifies a request's `software_statement` and merges its claims (RFC 7591
 * §2.3). `bound` is the statement a client being updated registered with: a
 * request without a statement of its own gets that one's claims merged again.
 */
export type SoftwareStatementCheck = (
  document: Record<string, unknown>,
  bound?: string,
) => Promise<StatementOutcome>;

/**
 * Judges the bearer token of a registration request (`null` when the
 * request carried none) and answers what admission grants, or throws 401.
 */
export type InitialAccessTokenCheck = (token: string | null) => Promise<RegistrationAdmission>;

/** What admission (docs/admission.md) decided about a registration request. */
export interface RegistrationAdmission {
  /** The data policy of the initial access token; stored with the client. */
  readonly tokenPolicy?: MetadataPolicy | undefined;
  /**
   * Called once, just after the client is stored and before any credential is
   * answered, so a request refused for its metadata, by the store or at a cap
   * does not spend a stored token's use; throws to refuse, and the client just
   * stored is removed again.
   */
  readonly claim?: (() => Promise<void>) | undefined;
  /**
   * Who registers, for the caps (docs/admission.md#caps): `iat:` and the token's id or a
   * short prefix of its hash, `iss:` and the statement issuer, or `addr:` and the address.
   */
  readonly owner?: string | undefined;
}
