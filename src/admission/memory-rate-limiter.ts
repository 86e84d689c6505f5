/**
 * The default rate limiter: a sliding-window log per key, in this process's
 * memory. Exact (at most `limit` events in any window), and enough for one
 * instance; several instances behind a load balancer share limits through
 * the Redis limiter instead.
 *
 * @module
 */

import type { RateLimitDecision, RateLimiter, RateLimitRule } from '../core/ports/rate-limiter.js';

/** Options for `createMemoryRateLimiter`. */
export interface MemoryRateLimiterOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * Keys kept at most. Past it, keys whose window has passed are dropped,
   * then the oldest; this bounds memory when very many addresses call. Default 100000.
   */
  maxKeys?: number;
}

interface Window {
  windowMs: number;
  /** Event times, oldest first; never more than the rule's limit. */
  stamps: number[];
}

/**
 * Creates an empty in-memory limiter.
 * @see docs/admission.md#rate-limits
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? 100_000;
  const windows = new Map<string, Window>();

  function current(key: string, windowMs: number, at: number): Window {
    let entry = windows.get(key);
    if (!entry) {
      entry = { windowMs, stamps: [] };
    }
    entry.windowMs = windowMs;
    // An event exactly one window old has left the window.
    while (entry.stamps.length > 0 && (entry.stamps[0] as number) <= at - windowMs) entry.stamps.shift();
    return entry;
  }

  function decide(entry: Window, rule: RateLimitRule, at: number): RateLimitDecision {
    if (entry.stamps.length < rule.limit) return { allowed: true, retryAfterSeconds: 0 };
    // Admission resumes when the event that fills the window leaves it.
    const blocking = entry.stamps[entry.stamps.length - rule.limit] as number;
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((blocking + entry.windowMs - at) / 1000)),
    };
  }

  function prune(at: number): void {
    for (const [key, entry] of windows) {
      const newest = entry.stamps[entry.stamps.length - 1];
      if (newest === undefined || newest <= at - entry.windowMs) windows.delete(key);
    }
    // Still too many live keys: forget the ones created first.
    for (const key of windows.keys()) {
      if (windows.size <= maxKeys * 0.9) break;
      windows.delete(key);
    }
  }

  return {
    async consume(key, rule) {
      const at = now();
      const entry = current(key, rule.windowSeconds * 1000, at);
      const decision = decide(entry, rule, at);
      if (decision.allowed) {
        entry.stamps.push(at);
        if (!windows.has(key)) {
          if (windows.size >= maxKeys) prune(at);
          windows.set(key, entry);
        }
      }
      return decision;
    },
    async check(key, rule) {
      const at = now();
      return decide(current(key, rule.windowSeconds * 1000, at), rule, at);
    },
    async release(key) {
      windows.get(key)?.stamps.pop();
    },
    async close() {
      windows.clear();
    },
  };
}
