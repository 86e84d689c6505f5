/**
 * The two per-address limits of docs/admission.md on top of a limiter backend:
 * registration attempts, and failed management authentications.
 *
 * @module
 */

import type { ResolvedRateLimits } from '../core/config/resolve-admission.js';

import { RegistrationError, temporarilyUnavailable, tooManyRequests } from '../core/errors.js';
import type { Logger } from '../core/events.js';
import type { ManagementAttempt, RateLimitDecision, RateLimits } from '../core/ports/rate-limiter.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

const NOTHING_TO_RELEASE: ManagementAttempt = { release: async () => undefined };

/** Builds the two limits from the resolved `rateLimit` setting, on an in-memory limiter unless the host gave one. */
export function createRateLimits(resolved: ResolvedRateLimits, logger: Logger): RateLimits {
  const { registrations, managementFailures } = resolved;
  const limiter = resolved.limiter ?? createMemoryRateLimiter();

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
              cause: error instanceof RegistrationError ? error.code : (error as Error)?.name,
            });
          }
        },
      };
    },
  };
}
