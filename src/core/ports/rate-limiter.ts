/**
 * The rate-limit configuration (docs/configuration.md `rateLimit`, docs/admission.md#rate-limits) and the contract a
 * limiter backend implements. The backends live in `src/admission/`; the
 * HTTP layer applies the limits per client address.
 *
 * @module
 */

import { ConfigurationError } from '../errors.js';

/** At most `limit` events per key in any `windowSeconds`-long window. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** A limiter's answer. */
export interface RateLimitDecision {
  /** Whether the event is within the limit. */
  readonly allowed: boolean;
  /** When refused: seconds until an event would be admitted again; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/**
 * A rate-limit backend: a sliding window of events per key. Registrar ships
 * an in-memory one (one process) and a Redis one (shared by every instance).
 */
export interface RateLimiter {
  /** Records one event for `key` when it is within `rule`; a refused event is not recorded. */
  consume(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  /** Answers whether one more event would be admitted, recording nothing. */
  check(key: string, rule: RateLimitRule): Promise<RateLimitDecision>;
  /**
   * Takes back the most recent event recorded for `key`, as if it had not
   * happened. Registrar counts a management attempt before checking its token
   * and releases it when the token was right; a limiter without `release`
   * also counts successful management requests.
   */
  release?(key: string): Promise<void>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}

/** A rule: `'COUNT/SECONDSs'` (for example `'60/60s'`), an object, `'off'` or `false` to disable. */
export type RateLimitSpec = string | RateLimitRule | false;

/** The `rateLimit` configuration key; `rateLimit: false` disables every limit. */
export interface RateLimitConfig {
  /** Registration attempts per client address (docs/architecture.md#a-registration step 3). Default `'60/60s'`. */
  registrations?: RateLimitSpec;
  /**
   * Failed management authentications per client address; past the limit a
   * management request gets 429 before its token is even checked. Each
   * request takes a slot before its token is checked and gives it back when
   * the token was right, so concurrent guesses cannot outrun the limit.
   * Default `'20/60s'`.
   */
  managementFailures?: RateLimitSpec;
  /** The backend. Default: an in-memory limiter for this process. */
  limiter?: RateLimiter;
}

/**
 * Default registrations per address: 60 a minute. An IDE registers one client
 * per window or workspace it opens; several windows opening together behind
 * one address make a handful of registrations, far below this, while a
 * script hammering the endpoint is held to one a second on average.
 */
export const DEFAULT_REGISTRATION_RATE_LIMIT: RateLimitRule = { limit: 60, windowSeconds: 60 };

/** Default failed management authentications per address: 20 a minute; honest clients hold their token. */
export const DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT: RateLimitRule = { limit: 20, windowSeconds: 60 };

const RULE_SYNTAX = /^([1-9][0-9]{0,8})\/([1-9][0-9]{0,8})s$/;

/**
 * Parses a rule: `'COUNT/SECONDSs'`, a `{ limit, windowSeconds }` object, or
 * `'off'`/`false` (answered as `null`). Throws `ConfigurationError` for anything else.
 * @see docs/admission.md#rate-limits
 */
export function parseRateLimitRule(spec: unknown, name = 'rateLimit'): RateLimitRule | null {
  if (spec === false || spec === 'off') return null;
  if (typeof spec === 'string') {
    const match = RULE_SYNTAX.exec(spec.trim());
    if (!match) {
      throw new ConfigurationError(`${name} must be COUNT/SECONDSs (for example 60/60s) or off.`);
    }
    return { limit: Number(match[1]), windowSeconds: Number(match[2]) };
  }
  if (typeof spec === 'object' && spec !== null) {
    const { limit, windowSeconds } = spec as Partial<RateLimitRule>;
    if (
      Number.isSafeInteger(limit) &&
      (limit as number) > 0 &&
      Number.isSafeInteger(windowSeconds) &&
      (windowSeconds as number) > 0
    ) {
      return { limit: limit as number, windowSeconds: windowSeconds as number };
    }
  }
  throw new ConfigurationError(
    `${name} must be COUNT/SECONDSs, { limit, windowSeconds } with positive integers, or off.`,
  );
}

/** The limits a Registrar applies; each throws a `RegistrationError` when it refuses. */
export interface RateLimits {
  /** Counts a registration attempt from `address` (docs/architecture.md#a-registration step 3); 429 past the limit. */
  admitRegistration(address: string): Promise<void>;
  /**
   * Counts a management attempt from `address` before its token is checked,
   * atomically in the limiter, so concurrent requests cannot all pass a check
   * made before any of them failed; 429 past the limit. The attempt stays
   * counted as a failure unless `release` is called.
   */
  admitManagement(address: string): Promise<ManagementAttempt>;
}

/** A counted management attempt. */
export interface ManagementAttempt {
  /** Gives the slot back: the token was right, or no token was tried. Never throws. */
  release(): Promise<void>;
}
