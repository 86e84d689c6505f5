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
  /** 429 when `address` has already failed management authentication too often. */
  checkManagement(address: string): Promise<void>;
  /** Counts a failed management authentication from `address`. Never throws. */
  recordManagementFailure(address: string): Promise<void>;
}

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
    async checkManagement(address) {
      if (!managementFailures) return;
      const decision = await ask(() => limiter.check(`management-failure:${address}`, managementFailures));
      if (!decision.allowed) throw tooManyRequests(decision.retryAfterSeconds);
    },
    async recordManagementFailure(address) {
      if (!managementFailures) return;
      try {
        await limiter.consume(`management-failure:${address}`, managementFailures);
      } catch (error) {
        // The request already fails with 401; a lost count must not change that answer.
        logger.error({
          msg: 'rate limiter failed to record a failed management authentication',
          cause: error instanceof RegistrationError ? error.error : (error as Error)?.name,
        });
      }
    },
  };
}
