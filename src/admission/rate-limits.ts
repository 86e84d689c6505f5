/**
 * The two per-address limits of DESIGN §6 on top of a limiter backend:
 * registration attempts, and failed management authentications.
 *
 * @module
 */

import type { Logger } from '../core/config.js';
import {
  ConfigurationError,
  RegistrationError,
  temporarilyUnavailable,
  tooManyRequests,
} from '../core/errors.js';
import {
  DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  parseRateLimitRule,
  type RateLimitConfig,
  type RateLimitDecision,
  type RateLimiter,
} from '../core/rate-limit.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

/** The limits a Registrar applies; each throws a `RegistrationError` when it refuses. */
export interface RateLimits {
  /** Counts a registration attempt from `address` (DESIGN §4.1 step 3); 429 past the limit. */
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

const NOTHING_TO_RELEASE: ManagementAttempt = { release: async () => undefined };

function isLimiter(value: unknown): value is RateLimiter {
  const limiter = value as Partial<RateLimiter> | null;
  return typeof limiter?.consume === 'function' && typeof limiter.check === 'function';
}

/**
 * Resolves the `rateLimit` key; `undefined` means the defaults on an
 * in-memory limiter, `false` no limits. Throws `ConfigurationError` for a
 * malformed rule, so a bad configuration fails at construction.
 */
export function createRateLimits(config: RateLimitConfig | false | undefined, logger: Logger): RateLimits {
  if (config !== undefined && config !== false && (typeof config !== 'object' || config === null)) {
    throw new ConfigurationError('rateLimit must be an object or false.');
  }
  const options =
    config === false ? { registrations: false as const, managementFailures: false as const } : config;
  const registrations =
    options?.registrations === undefined
      ? DEFAULT_REGISTRATION_RATE_LIMIT
      : parseRateLimitRule(options.registrations, 'rateLimit.registrations');
  const managementFailures =
    options?.managementFailures === undefined
      ? DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT
      : parseRateLimitRule(options.managementFailures, 'rateLimit.managementFailures');
  if (options?.limiter !== undefined && !isLimiter(options.limiter)) {
    throw new ConfigurationError('rateLimit.limiter must have consume and check methods.');
  }
  const limiter = options?.limiter ?? createMemoryRateLimiter();

  /**
   * Asks the backend. A backend that throws is a fault we cannot judge, so the
   * request fails closed with 503; the bundled Redis limiter never throws, it
   * falls back to memory by itself.
   */
  async function ask(run: () => Promise<RateLimitDecision>): Promise<RateLimitDecision> {
    try {
      return await run();
    } catch (error) {
      throw temporarilyUnavailable(new Error('rate limiter failed', { cause: error }));
    }
  }

  return {
    async admitRegistration(address) {
      if (!registrations) return;
      const decision = await ask(() => limiter.consume(`registration:${address}`, registrations));
      if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
    },
    async admitManagement(address) {
      if (!managementFailures) return NOTHING_TO_RELEASE;
      const key = `management-failure:${address}`;
      const decision = await ask(() => limiter.consume(key, managementFailures));
      if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
      const release = limiter.release;
      if (typeof release !== 'function') return NOTHING_TO_RELEASE;
      return {
        async release() {
          try {
            await release.call(limiter, key);
          } catch (error) {
            // The request's answer stands; a slot not given back only counts as one more failure.
            logger.error({
              msg: 'rate limiter failed to release a management attempt',
              cause: error instanceof RegistrationError ? error.error : (error as Error)?.name,
            });
          }
        },
      };
    },
  };
}
