/**
 * The admission options checked and normalised: initial access tokens,
 * software statements and rate limits. `resolveConfig` runs these once, at
 * construction, after `CONFIG_CHECKS` has checked every value's type, so
 * only the rules that tie values together are checked here; the admission
 * checks built from the results check nothing of the configuration themselves.
 *
 * @module
 */

import { isAsymmetricAlgorithm } from '../credentials/jws-algorithms.js';
import { ConfigurationError, RegistrationError } from '../errors.js';
import { validateJwks } from '../metadata/validate-jwks.js';
import type {
  InitialAccessTokenOption,
  InitialAccessTokenOptions,
  InitialAccessTokenVerifier,
  SoftwareStatementOptions,
  TrustedIssuer,
} from '../ports/admission-options.js';
import {
  DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  parseRateLimitRule,
  type RateLimitConfig,
  type RateLimiter,
  type RateLimitRule,
} from '../ports/rate-limiter.js';
import {
  INITIAL_ACCESS_TOKEN_CALLBACKS,
  type InitialAccessTokenStore,
  type RegistrationStore,
} from '../store/registration-store.js';

/** Default `softwareStatement.jwksCacheSeconds`: how long a fetched issuer JWKS is reused. */
export const DEFAULT_JWKS_CACHE_SECONDS = 600;

/** `initialAccessToken`, resolved: at least one of the three ways to admit a token. */
export interface ResolvedInitialAccessToken {
  /** The static token. */
  readonly token?: string;
  readonly verify?: InitialAccessTokenVerifier;
  /** The store's tokens, when `stored: true`. */
  readonly tokens?: InitialAccessTokenStore;
}

/** `softwareStatement`, resolved. */
export interface ResolvedSoftwareStatement {
  /** Each trusted issuer's keys: inline (a checked JWK Set) or an `https` JWKS URL. */
  readonly issuers: ReadonlyMap<string, { readonly jwks: object } | { readonly jwksUri: string }>;
  readonly required: boolean;
  readonly algorithms: readonly string[];
  readonly jwksCacheSeconds: number;
}

/** `rateLimit`, resolved: a rule per limit (`null`: that limit is off) and the host's limiter, if any. */
export interface ResolvedRateLimits {
  readonly registrations: RateLimitRule | null;
  readonly managementFailures: RateLimitRule | null;
  /** The host's limiter; absent: an in-memory one. */
  readonly limiter?: RateLimiter;
}

function initialAccessTokenOptions(option: InitialAccessTokenOption): InitialAccessTokenOptions {
  if (typeof option === 'string') return { token: option };
  if (typeof option === 'function') return { verify: option };
  return option;
}

/**
 * Resolves `initialAccessToken` against the resolved store; `undefined` means
 * open registration. `stored: true` needs every initial-access-token callback.
 */
export function resolveInitialAccessToken(
  option: InitialAccessTokenOption | undefined,
  store: RegistrationStore<unknown>,
): ResolvedInitialAccessToken | undefined {
  if (option === undefined) return undefined;
  const { token, verify, stored } = initialAccessTokenOptions(option);
  if (token === undefined && verify === undefined && stored !== true) {
    throw new ConfigurationError('initialAccessToken needs a token, a verify function or stored: true.');
  }
  if (stored !== true) return { ...(token === undefined ? {} : { token }), ...(verify ? { verify } : {}) };
  const missing = INITIAL_ACCESS_TOKEN_CALLBACKS.filter((name) => typeof store[name] !== 'function');
  if (missing.length > 0) {
    throw new ConfigurationError(
      `initialAccessToken stored: true needs the initial-access-token callbacks, as store methods or flat keys; missing: ${missing.join(', ')}.`,
    );
  }
  return {
    ...(token === undefined ? {} : { token }),
    ...(verify ? { verify } : {}),
    tokens: store as InitialAccessTokenStore,
  };
}

function resolveIssuer(iss: string, issuer: TrustedIssuer): { jwks: object } | { jwksUri: string } {
  const name = `softwareStatement.issuers["${iss}"]`;
  const hasJwks = 'jwks' in issuer && issuer.jwks !== undefined;
  const hasUri = 'jwks_uri' in issuer && issuer.jwks_uri !== undefined;
  if (hasJwks === hasUri) throw new ConfigurationError(`${name} needs exactly one of jwks and jwks_uri.`);
  if (hasJwks) {
    try {
      validateJwks(issuer.jwks);
    } catch (error) {
      const detail = error instanceof RegistrationError ? error.description : 'it is not a JWK Set';
      throw new ConfigurationError(`${name}.jwks is unusable: ${detail}`);
    }
    return { jwks: issuer.jwks };
  }
  const uri = (issuer as { jwks_uri: unknown }).jwks_uri;
  let url: URL | undefined;
  try {
    url = typeof uri === 'string' ? new URL(uri) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:') {
    throw new ConfigurationError(`${name}.jwks_uri must be an https URL.`);
  }
  return { jwksUri: uri as string };
}

/**
 * Resolves `softwareStatement`; `undefined` means statements are ignored.
 * `signingAlgs` is the default for `algorithms`; only asymmetric ones are accepted.
 */
export function resolveSoftwareStatement(
  options: SoftwareStatementOptions | undefined,
  signingAlgs: readonly string[],
): ResolvedSoftwareStatement | undefined {
  if (options === undefined) return undefined;
  const { issuers, required = false, jwksCacheSeconds = DEFAULT_JWKS_CACHE_SECONDS } = options;
  if (issuers === undefined || Object.keys(issuers).length === 0) {
    throw new ConfigurationError('softwareStatement.issuers must name at least one trusted issuer.');
  }
  const algorithms = [...(options.algorithms ?? signingAlgs)];
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || !isAsymmetricAlgorithm(alg)) {
      throw new ConfigurationError(`softwareStatement.algorithms cannot include "${String(alg)}".`);
    }
  }
  const resolved = new Map<string, { jwks: object } | { jwksUri: string }>();
  for (const [iss, issuer] of Object.entries(issuers)) resolved.set(iss, resolveIssuer(iss, issuer));
  return { issuers: resolved, required, algorithms, jwksCacheSeconds };
}

/** Resolves `rateLimit`: `undefined` means the defaults, `false` no limits. */
export function resolveRateLimits(config: RateLimitConfig | false | undefined): ResolvedRateLimits {
  if (config === false) return { registrations: null, managementFailures: null };
  const registrations =
    config?.registrations === undefined
      ? DEFAULT_REGISTRATION_RATE_LIMIT
      : parseRateLimitRule(config.registrations, 'rateLimit.registrations');
  const managementFailures =
    config?.managementFailures === undefined
      ? DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT
      : parseRateLimitRule(config.managementFailures, 'rateLimit.managementFailures');
  return { registrations, managementFailures, ...(config?.limiter ? { limiter: config.limiter } : {}) };
}
