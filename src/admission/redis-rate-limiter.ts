/**
 * A rate limiter in Redis (`ioredis`), shared by every Registrar instance
 * that points at the same Redis and key prefix (docs/admission.md, docs/store-contract.md#bundled-stores-and-the-conformance-kit).
 *
 * Each decision is one Lua script, so the check and the record are atomic
 * across instances; the script reads Redis's clock, so instances whose
 * clocks disagree still share one window.
 *
 * When Redis cannot be reached, the limiter falls back to an in-memory
 * limiter in this process and says so once in the log; it returns to Redis
 * by itself when Redis answers again. This is a deliberate fail-open to
 * per-instance limits: an outage of the limiter's cache neither takes
 * registration down (fail-closed would turn every Redis hiccup into a
 * registration outage) nor removes the limits (each instance still enforces
 * them for the addresses it sees).
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { consoleLogger } from '../core/config/resolve-config.js';
import type { Logger } from '../core/events.js';
import type { RateLimitDecision, RateLimiter, RateLimitRule } from '../core/ports/rate-limiter.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

/** Options for `createRedisRateLimiter`: a URL, or a client the host owns. */
export interface RedisRateLimiterOptions {
  /** `redis://[:password@]host:6379[/db]` or `rediss://...` for TLS. */
  url?: string;
  /** An `ioredis` client to use instead of `url`; `close()` leaves it open. */
  client?: Redis;
  /** Prepended to every key. Default `registrar:rate:`. */
  keyPrefix?: string;
  /** Milliseconds a command may take before this request falls back to memory. Default 1000. */
  commandTimeoutMs?: number;
  /** Told when Redis becomes unreachable and when it is back. Default: JSON lines on the console. */
  logger?: Logger;
}

/** The Redis limiter, with start-up and shutdown hooks. */
export interface RedisRateLimiter extends RateLimiter {
  /**
   * Waits until Redis answers, at most `timeoutMs` (default 5000); resolves
   * `false` when it did not (the limiter then works from memory until it does).
   */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Whether the last decision came from the in-memory fallback. */
  readonly degraded: boolean;
  /** Whether the connection to Redis is up now. */
  readonly connected: boolean;
  close(): Promise<void>;
}

// KEYS[1]: the window's sorted set (score = event time in ms).
// ARGV: limit, window in ms, a unique member for this event, "1" to record it.
// Returns {1, 0} when admitted, {0, ms until admission} when refused.
const SLIDING_WINDOW = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local blocking = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return {0, tonumber(blocking[2]) + window - now}
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
end
return {1, 0}
`;
const SLIDING_WINDOW_SHA = createHash('sha1').update(SLIDING_WINDOW).digest('hex');

/**
 * Creates a Redis-backed limiter. The connection opens at once and reconnects by itself.
 * @see docs/operations.md#rate-limits
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  if (!options.client && !options.url) throw new TypeError('createRedisRateLimiter needs a url or a client.');
  const logger = options.logger ?? consoleLogger;
  const prefix = options.keyPrefix ?? 'registrar:rate:';
  const commandTimeout = options.commandTimeoutMs ?? 1000;
  const owned = !options.client;
  const client =
    options.client ??
    new Redis(options.url as string, {
      // Fail a command at once while disconnected instead of queueing it: the
      // request falls back to memory rather than waiting for a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
      connectTimeout: Math.max(commandTimeout, 2000),
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
  const fallback = createMemoryRateLimiter();
  let degraded = false;
  // Until the first connection has been made or given up on, requests wait for it.
  let starting: Promise<boolean> | null = null;
  // Without a listener ioredis prints every connection error itself.
  client.on('error', () => undefined);

  function ready(timeoutMs: number): Promise<boolean> {
    if (client.status === 'ready') return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const done = (answer: boolean) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        resolve(answer);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      client.once('ready', onReady);
    });
  }

  async function run(key: string, rule: RateLimitRule, record: boolean): Promise<RateLimitDecision> {
    const args = [
      String(rule.limit),
      String(rule.windowSeconds * 1000),
      // A unique member for the window's sorted set; a check records nothing, so it needs none.
      record ? randomBytes(9).toString('base64url') : '',
      record ? '1' : '0',
    ];
    let reply: unknown;
    // Requests arriving while the first connection is still being made wait for
    // it (once, briefly) rather than fall back; after that a lost connection fails fast.
    starting ??= ready(commandTimeout);
    await starting;
    try {
      try {
        reply = await client.evalsha(SLIDING_WINDOW_SHA, 1, prefix + key, ...args);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        reply = await client.eval(SLIDING_WINDOW, 1, prefix + key, ...args);
      }
    } catch (error) {
      if (!degraded) {
        degraded = true;
        logger.warn({
          msg: 'Redis did not answer; rate limits fall back to this instance until it does',
          error: (error as Error).name,
          detail: (error as Error).message,
        });
      }
      return record ? fallback.consume(key, rule) : fallback.check(key, rule);
    }
    if (degraded) {
      degraded = false;
      logger.info({ msg: 'Redis answers again; rate limits are shared across instances' });
    }
    const [allowed, retryMs] = reply as [number, number];
    return allowed === 1
      ? { allowed: true, retryAfterSeconds: 0 }
      : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
  }

  async function release(key: string): Promise<void> {
    try {
      // The newest member has the highest score; one command, so concurrent releases each take one.
      await client.zpopmax(prefix + key, 1);
    } catch {
      // Redis is away, so the event was most likely counted in the fallback.
      await fallback.release?.(key);
    }
  }

  return {
    consume: (key, rule) => run(key, rule, true),
    check: (key, rule) => run(key, rule, false),
    release,
    get degraded() {
      return degraded;
    },
    get connected() {
      return client.status === 'ready';
    },
    ready: (timeoutMs = 5000) => ready(timeoutMs),
    async close() {
      await fallback.close?.();
      if (!owned) return;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
