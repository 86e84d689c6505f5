/**
 * JWK Sets fetched from a URL (a trusted issuer's `jwks_uri`, a client's
 * `jwks_uri`), only ever through the safe fetcher of docs/operations.md#outbound-fetches-the-ssrf-guard, and cached.
 *
 * @module
 */

import { createLocalJWKSet, errors, type LocalJWKSet } from 'jose';
import { decodeUtf8 } from '../core/credentials/encoding.js';
import type { OutboundFetch } from '../core/ports/outbound-fetch.js';
import type { KeyResolver } from './verify-jwt.js';

/** Largest JWK Set accepted, in bytes. */
export const MAX_JWKS_BYTES = 65536;
/** Seconds before an unknown `kid` may trigger a fetch ahead of the cache expiry (key rotation). */
export const JWKS_COOLDOWN_SECONDS = 30;

/** The key set could not be fetched or is not a JWK Set. The message is private. */
export class KeySetUnavailableError extends Error {
  /** A stable code to switch on. */
  readonly code: 'key_set_unavailable' = 'key_set_unavailable';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeySetUnavailableError';
  }
}

/** Options of a remote key set. */
export interface RemoteKeySetOptions {
  /** Seconds a fetched set is reused. */
  readonly cacheSeconds: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/**
 * A key resolver for the JWK Set at `url`. The set is fetched on first use,
 * reused for `cacheSeconds`, fetched again early (at most every 30 seconds)
 * when no key matches a header, and kept when a later fetch fails. Concurrent
 * callers share one fetch.
 */
export function createRemoteKeySet(
  fetch: OutboundFetch,
  url: string,
  options: RemoteKeySetOptions,
): KeyResolver {
  let cached: { fetchedAt: number; keys: LocalJWKSet } | undefined;
  let pending: Promise<LocalJWKSet> | undefined;
  const seconds = () => options.now() / 1000;

  async function download(): Promise<LocalJWKSet> {
    let response: Awaited<ReturnType<OutboundFetch>>;
    try {
      response = await fetch(url, {
        accept: 'application/jwk-set+json, application/json',
        maxBytes: MAX_JWKS_BYTES,
        purpose: 'jwks',
      });
    } catch (error) {
      throw new KeySetUnavailableError(`fetching the JWK Set at ${url} failed`, { cause: error });
    }
    if (response.status !== 200) {
      throw new KeySetUnavailableError(`the JWK Set at ${url} answered ${response.status}`);
    }
    try {
      const keys = createLocalJWKSet(JSON.parse(decodeUtf8(response.body)));
      cached = { fetchedAt: seconds(), keys };
      return keys;
    } catch (error) {
      throw new KeySetUnavailableError(`the document at ${url} is not a JWK Set`, { cause: error });
    }
  }

  async function refresh(): Promise<LocalJWKSet> {
    pending ??= download().finally(() => {
      pending = undefined;
    });
    try {
      return await pending;
    } catch (error) {
      // A set fetched before still verifies what it verified; a failed refresh does not discard it.
      if (cached) return cached.keys;
      throw error;
    }
  }

  return async (header, token) => {
    const keys =
      cached === undefined || seconds() - cached.fetchedAt >= options.cacheSeconds
        ? await refresh()
        : cached.keys;
    try {
      return await keys(header, token);
    } catch (error) {
      const stale = cached !== undefined && seconds() - cached.fetchedAt >= JWKS_COOLDOWN_SECONDS;
      if (!(error instanceof errors.JWKSNoMatchingKey) || !stale) throw error;
      return (await refresh())(header, token);
    }
  };
}

/** Remote key sets by URL, at most `maxEntries` of them (the oldest is dropped first). */
export class RemoteKeySets {
  readonly #sets = new Map<string, KeyResolver>();
  private readonly fetch: OutboundFetch;
  private readonly options: RemoteKeySetOptions & { readonly maxEntries: number };

  constructor(fetch: OutboundFetch, options: RemoteKeySetOptions & { readonly maxEntries: number }) {
    this.fetch = fetch;
    this.options = options;
  }

  /** The resolver for `url`, created on first use. */
  get(url: string): KeyResolver {
    let set = this.#sets.get(url);
    if (set === undefined) {
      if (this.#sets.size >= this.options.maxEntries) {
        const oldest = this.#sets.keys().next().value;
        if (oldest !== undefined) this.#sets.delete(oldest);
      }
      set = createRemoteKeySet(this.fetch, url, this.options);
      this.#sets.set(url, set);
    }
    return set;
  }
}
