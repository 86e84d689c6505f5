/**
 * What the bundled stores share beyond the contract in `core/store-contract`:
 * the administration methods they all have, and the expiry arithmetic.
 *
 * @module
 */

import type {
  ClientPage,
  ClientPageOptions,
  ClientRegistration,
  InitialAccessTokenRecord,
  InitialAccessTokenStore,
  RegistrationStore,
  StoredClient,
} from '../core/store/registration-store.js';

export type {
  ClientRegistration,
  InitialAccessTokenRecord,
  StoreDeleteResult,
  StoreWriteResult,
} from '../core/store/registration-store.js';
export { isInitialAccessTokenUsable } from '../core/store/registration-store.js';

/**
 * The stores Registrar ships: the contract over `ClientRegistration`
 * snapshots, every callback present, plus administration and `close`.
 */
export interface BundledStore
  extends Required<Omit<RegistrationStore<ClientRegistration>, keyof InitialAccessTokenStore>> {
  listClients(options?: ClientPageOptions): Promise<ClientPage>;
  /**
   * The stored clients by status at `now` (Unix seconds): pending approval,
   * expired (`expires_at` passed, not yet swept), or else active. One
   * aggregate query over the clients; the metrics call it at scrape time.
   */
  countClientsByStatus(now: number): Promise<ClientStatusCounts>;
  /**
   * Resolves when the store can serve requests; rejects (with
   * `StoreUnavailableError` for an unreachable database) when it cannot. Backs `/healthz`.
   */
  ping(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
}

/** How many stored clients are in each status. */
export interface ClientStatusCounts {
  readonly active: number;
  readonly pending: number;
  readonly expired: number;
}

/**
 * The prefix under which the SQL stores keep the deny list of stateless ids
 * in their `consumeOnce` table (docs/stateless-registration.md#revocation);
 * `consumeOnce` keys Registrar makes never start with it.
 */
export const DENY_PREFIX = 'stateless-revoked:';

/**
 * A bundled store that also keeps initial access tokens (the memory and
 * SQLite stores do).
 */
export type BundledStoreWithTokens = BundledStore & InitialAccessTokenStore;

/** The latest `expires_at` a bundled store keeps for a token: the last second a JavaScript `Date` can show. */
export const MAX_TOKEN_EXPIRES_AT = 8_640_000_000_000;

/**
 * Refuses, before anything is stored, a token whose `expires_at` is not
 * whole Unix seconds from 0 to `MAX_TOKEN_EXPIRES_AT`: a `NaN` or infinite
 * expiry would never end in one store and fail in another.
 */
export function checkTokenExpiry(record: InitialAccessTokenRecord): void {
  const { expires_at: expiresAt } = record;
  if (expiresAt === undefined) return;
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_TOKEN_EXPIRES_AT) {
    throw new RangeError(
      `expires_at must be whole Unix seconds from 0 to ${MAX_TOKEN_EXPIRES_AT}, not ${expiresAt}.`,
    );
  }
}

/**
 * The new `expires_at` after a use at `at`: the client keeps the same idle
 * window it had, counted from its last activity (docs/client-authentication.md#client-lifecycle).
 */
export function renewedExpiry(registration: ClientRegistration, at: number): number | undefined {
  if (registration.expires_at === undefined) return undefined;
  const lastActivity = registration.last_used_at ?? registration.client_id_issued_at;
  return Math.max(registration.expires_at, at + (registration.expires_at - lastActivity));
}

/**
 * The columns the SQL stores keep beside a client's JSON; they are the truth for these members.
 * PostgreSQL returns `bigint` columns as strings; Unix seconds are far inside the safe integer range.
 */
export interface ClientColumns {
  registration_access_token_hash: string | null;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  activated_at: number | string | null;
  /** SQLite keeps 1 or null, PostgreSQL `true` or null. */
  pending_approval: number | boolean | null;
  owner: string | null;
}

/**
 * A bundled store's client is its registration, so the one read of `loadClient` answers
 * `loadClientWithRegistration` too: both members are the object that read made.
 */
export function itsOwnRegistration(
  registration: ClientRegistration | null,
): StoredClient<ClientRegistration> | null {
  return registration === null ? null : { client: registration, registration };
}

/** `registration` with the members its columns hold set from them (and removed where they are null). */
export function withClientColumns(registration: ClientRegistration, row: ClientColumns): ClientRegistration {
  if (row.registration_access_token_hash === null) delete registration.registration_access_token_hash;
  else registration.registration_access_token_hash = row.registration_access_token_hash;
  if (row.expires_at === null) delete registration.expires_at;
  else registration.expires_at = Number(row.expires_at);
  if (row.last_used_at === null) delete registration.last_used_at;
  else registration.last_used_at = Number(row.last_used_at);
  if (row.activated_at === null) delete registration.activated_at;
  else registration.activated_at = Number(row.activated_at);
  if (row.pending_approval === null || row.pending_approval === false || row.pending_approval === 0) {
    delete registration.pending_approval;
  } else registration.pending_approval = true;
  if (row.owner === null) delete registration.owner;
  else registration.owner = row.owner;
  return registration;
}

/**
 * What `updateClient` writes over `stored`: `next`, except that the owner and the approval
 * mark stay as stored, and an activation `next` did not know of (the client
 * was activated after the update read it) stays with its expiry and last use.
 */
export function keptOnUpdate(stored: ClientRegistration, next: ClientRegistration): ClientRegistration {
  const kept: ClientRegistration = { ...next };
  if (stored.owner === undefined) delete kept.owner;
  else kept.owner = stored.owner;
  if (stored.pending_approval === true) kept.pending_approval = true;
  else delete kept.pending_approval;
  if (stored.activated_at !== undefined && next.activated_at === undefined) {
    kept.activated_at = stored.activated_at;
    if (stored.expires_at === undefined) delete kept.expires_at;
    else kept.expires_at = stored.expires_at;
    if (stored.last_used_at === undefined) delete kept.last_used_at;
    else kept.last_used_at = stored.last_used_at;
  }
  return kept;
}

/** The columns of an initial access token in the SQL stores, `policy` already parsed. */
export interface TokenColumns {
  id: string;
  token_hash: string;
  created_at: number | string;
  expires_at: number | string | null;
  max_uses: number | null;
  uses: number;
  policy: NonNullable<InitialAccessTokenRecord['policy']> | null;
  label: string | null;
}

/** An initial access token record from its columns; null columns are absent members. */
export function tokenFromColumns(row: TokenColumns): InitialAccessTokenRecord {
  const record: InitialAccessTokenRecord = {
    id: row.id,
    token_hash: row.token_hash,
    created_at: Number(row.created_at),
    uses: row.uses,
  };
  if (row.expires_at !== null) record.expires_at = Number(row.expires_at);
  if (row.max_uses !== null) record.max_uses = row.max_uses;
  if (row.policy !== null) record.policy = row.policy;
  if (row.label !== null) record.label = row.label;
  return record;
}
