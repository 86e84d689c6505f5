/**
 * The store contract (DESIGN §2), for store authors: the types, the error a
 * store throws when its database is unreachable, and the callback names.
 *
 * @module
 */

export { StoreUnavailableError } from '../core/errors.js';
export type {
  ClientMetadata,
  ClientRegistration,
  InitialAccessTokenRecord,
  InitialAccessTokenStore,
  RegistrationStore,
  StoreDeleteResult,
  StoreFailure,
  StoreSuccess,
  StoreWriteResult,
} from '../core/store-contract.js';
export {
  hasInitialAccessTokens,
  isInitialAccessTokenUsable,
  STORE_CALLBACKS,
} from '../core/store-contract.js';

import type {
  ClientRegistration,
  InitialAccessTokenStore,
  RegistrationStore,
} from '../core/store-contract.js';

/** One page of a store listing, for administration. */
export interface ClientPage {
  readonly clients: ClientRegistration[];
  /** Pass as `after` to read the next page; absent on the last page. */
  readonly next?: string;
}

/**
 * The stores Registrar ships: the contract over `ClientRegistration`
 * snapshots, every callback present, plus administration and `close`.
 */
export interface BundledStore extends Required<RegistrationStore<ClientRegistration>> {
  /** Clients in `client_id` order, `limit` at a time, starting after `after`. */
  listClients(options?: { limit?: number; after?: string }): Promise<ClientPage>;
  /**
   * Resolves when the store can serve requests; rejects (with
   * `StoreUnavailableError` for an unreachable database) when it cannot. Backs `/healthz`.
   */
  ping(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
}

/**
 * A bundled store that also keeps initial access tokens (the memory and
 * SQLite stores do).
 */
export type BundledStoreWithTokens = BundledStore & InitialAccessTokenStore;

/**
 * The new `expires_at` after a use at `at`: the client keeps the same idle
 * window it had, counted from its last activity (DESIGN §7).
 */
export function renewedExpiry(registration: ClientRegistration, at: number): number | undefined {
  if (registration.expires_at === undefined) return undefined;
  const lastActivity = registration.last_used_at ?? registration.client_id_issued_at;
  return Math.max(registration.expires_at, at + (registration.expires_at - lastActivity));
}
