/**
 * The host-owned persistence contract (docs/store-contract.md). Registrar mints and hashes
 * credentials and frames every response; a store only persists what it is
 * given. A store never receives a plaintext secret or token.
 *
 * @module
 */

import type { ClientMetadata } from '../metadata/client-metadata.js';
import type { MetadataPolicy } from '../metadata/registration-policy.js';

/**
 * What a store persists for one client: the issuance-ready attributes that
 * `registerClient` receives and `clientRegistration` returns.
 */
export interface ClientRegistration {
  /** The server-minted (or, for metadata documents, URL) client identifier. */
  client_id: string;
  /** Unix seconds at which the client id was issued. */
  client_id_issued_at: number;
  /** `sha256:` + base64url SHA-256 of the client secret; only for clients with a secret. */
  client_secret_hash?: string;
  /** Unix seconds at which the secret expires; 0 means never. */
  client_secret_expires_at: number;
  /**
   * `sha256:` + base64url SHA-256 of the registration access token. With management off it is the
   * hash of a token no one holds, which updates compare; absent on clients stored without one.
   */
  registration_access_token_hash?: string;
  /** Unix seconds after which an unused client expires (docs/client-authentication.md#client-lifecycle); absent when clients do not expire. */
  expires_at?: number;
  /** Unix seconds of the last proven use (docs/client-authentication.md#client-lifecycle). */
  last_used_at?: number;
  /**
   * Only on a client registered under an activation window: Unix seconds by
   * which its first proven use must come (docs/client-authentication.md#the-activation-window).
   * Set at registration, never changed; `expires_at` equals it until the client is activated.
   */
  activation_deadline?: number;
  /**
   * Unix seconds of the client's first proven use, written by `activateClient`
   * (docs/client-authentication.md#the-activation-window). Once set, no write takes it away.
   */
  activated_at?: number;
  /**
   * `true` while the client waits for an operator's approval
   * (docs/admission.md#the-approval-queue); absent once approved. Only
   * `registerClient` sets it and only `approveClient` clears it: `updateClient` keeps what is stored.
   */
  pending_approval?: true;
  /**
   * The policy of the stored initial access token the client registered
   * with; applied again on every update so a PUT cannot undo it.
   */
  initial_access_token_policy?: MetadataPolicy;
  /**
   * Only on a pre-registered Client ID Metadata Document (whose `client_id`
   * is its URL): Unix seconds at which the stored copy in `metadata` was
   * fetched (docs/client-id-metadata-documents.md#pre-registered-documents).
   */
  document_fetched_at?: number;
  /**
   * Who registered the client, for the caps (docs/admission.md#caps): `iat:` and the
   * initial access token's id (or a short prefix of its hash), `iss:` and the software
   * statement's issuer, or `addr:` and the client address (IPv6 per /64). Never a secret.
   */
  owner?: string;
  /** The complete validated metadata, defaults filled in, language-tagged variants kept. */
  metadata: ClientMetadata;
}

/** A successful write: the host's representation of the client. */
export interface StoreSuccess<C> {
  ok: true;
  client: C;
}

/** A refused write; `reason` may be logged, never sent. */
export interface StoreFailure {
  ok: false;
  reason: string;
}

/** Result of `registerClient` and `updateClient`. */
export type StoreWriteResult<C> = StoreSuccess<C> | StoreFailure;

/** Result of `unregisterClient`: nothing, `{ ok: true }` when this call removed it, or a failure. */
export type StoreDeleteResult<C> = undefined | { ok: true; client?: C } | StoreFailure;

/**
 * The RegistrationStore contract (docs/store-contract.md). `C` is the host's opaque client.
 * A flat configuration key of the same name wins over the method.
 */
export interface RegistrationStore<C = ClientRegistration> extends Partial<InitialAccessTokenStore> {
  /** Persist a newly registered client (RFC 7591 §3.2.1). */
  registerClient?(attrs: ClientRegistration): Promise<StoreWriteResult<C>> | StoreWriteResult<C>;
  /** Find a client for a management request, or `null`. */
  loadClient?(clientId: string): Promise<C | null> | C | null;
  /** The stored registration access token hash, or `null` (then every management request fails closed). */
  clientRegistrationAccessTokenHash?(client: C): Promise<string | null> | string | null;
  /** The stored attributes, as last updated. */
  clientRegistration?(client: C): Promise<ClientRegistration | null> | ClientRegistration | null;
  /**
   * Optional capability (docs/store-contract.md#one-read-per-lookup): what `loadClient`
   * and then `clientRegistration` answer, in one read; `null` when either finds nothing.
   * Registrar calls it on every lookup by `client_id` (the token endpoint, authorization
   * requests, management) when the store has it and the two callbacks it stands for come
   * from the same place.
   */
  loadClientWithRegistration?(clientId: string): Promise<StoredClient<C> | null> | StoredClient<C> | null;
  /**
   * Replace a registration atomically: succeed only while the stored token
   * hash still equals `expectedTokenHash`, else answer `reason: 'conflict'` (RFC 7592 §2.2).
   */
  updateClient?(
    client: C,
    attrs: ClientRegistration,
    expectedTokenHash: string,
  ): Promise<StoreWriteResult<C>> | StoreWriteResult<C>;
  /**
   * Delete a client atomically (RFC 7592 §2.3): of concurrent deletes exactly
   * one answers success; the others answer `reason: 'not_found'`.
   */
  unregisterClient?(client: C): Promise<StoreDeleteResult<C>> | StoreDeleteResult<C>;
  /** Renew `last_used_at` on proven use (docs/client-authentication.md#client-lifecycle). */
  touchClient?(clientId: string, at: number): Promise<void> | void;
  /**
   * The first proven use of a client registered under an activation window
   * (docs/client-authentication.md#the-activation-window), in one atomic step:
   * only while the stored client has no `activated_at`, set `activated_at`
   * and `last_used_at` to `at` and `expires_at` to `expiresAt` (`null`
   * removes it: the client no longer expires). Answers `true` when this call
   * activated the client, `false` when it was unknown or already activated.
   */
  activateClient?(clientId: string, at: number, expiresAt: number | null): Promise<boolean> | boolean;
  /**
   * Approve a pending client (docs/admission.md#the-approval-queue): only
   * while it is stored with `pending_approval`, remove that mark. Answers
   * `true` when this call approved it; of concurrent approvals and
   * rejections of one client exactly one answers `true`.
   */
  approveClient?(clientId: string): Promise<boolean> | boolean;
  /**
   * Reject a pending client (docs/admission.md#the-approval-queue): only
   * while it is stored with `pending_approval`, delete it. Answers `true`
   * when this call removed it; an approved client is never removed by it.
   */
  rejectClient?(clientId: string): Promise<boolean> | boolean;
  /**
   * Remove up to `limit` clients whose `expires_at` is before `now` (Unix
   * seconds); returns how many were removed. A store should also call
   * `onExpired` once with the id of each client this call removed (and only
   * those), so Registrar can emit `client.expired` events (docs/client-authentication.md#client-lifecycle); a
   * store that does not still works, and its removals go unnamed.
   */
  sweepExpired?(now: number, limit: number, onExpired?: (clientId: string) => void): Promise<number> | number;
  /** `true` the first time `key` is seen (until `expiresAt`, Unix seconds), `false` after. */
  consumeOnce?(key: string, expiresAt: number): Promise<boolean> | boolean;
  /**
   * Optional capability (docs/admission.md#caps): `registerClient` under the caps, in one
   * atomic step across instances. Counts the stored clients and `caps.owner`'s; when a cap
   * is reached, removes one reclaimable client (see `ClientCaps`) to make room; then stores
   * `attrs`. Answers the client and the id it reclaimed, or `reason: 'cap_reached'` naming
   * the cap, having changed nothing.
   */
  registerClientWithinCaps?(
    attrs: ClientRegistration,
    caps: ClientCaps,
  ): Promise<CappedWriteResult<C>> | CappedWriteResult<C>;
  /**
   * Clients in `client_id` order, `limit` at a time, starting after `after`:
   * the administration listing (`registrar clients list`).
   */
  listClients?(options?: ClientPageOptions): Promise<ClientPage> | ClientPage;
  /**
   * Adds a stateless client to the deny list (docs/stateless-registration.md#revocation):
   * `key` is `sha256:` and the base64url SHA-256 of its `client_id`; the entry
   * need last only `until` (Unix seconds), when the id expires anyway. Idempotent.
   */
  revokeStatelessClient?(key: string, until: number): Promise<void> | void;
  /** Whether `key` (as above) is on the deny list and its `until` has not passed. */
  isStatelessClientRevoked?(key: string): Promise<boolean> | boolean;
}

/** A client and its registration, as `loadClientWithRegistration` answers them. */
export interface StoredClient<C> {
  readonly client: C;
  readonly registration: ClientRegistration;
}

/**
 * The caps `registerClientWithinCaps` keeps (docs/admission.md#caps). A client is
 * reclaimable when it has an `owner`, was never used (no `activated_at`, no
 * `last_used_at`) and its `client_id_issued_at` is before `reclaimIssuedBefore`.
 */
export interface ClientCaps {
  /** The most clients the store holds; absent: no total cap. */
  readonly maxClients?: number;
  /** The most clients one owner holds; absent: no per-owner cap. */
  readonly maxClientsPerOwner?: number;
  /** The owner of the new client (`attrs.owner`). */
  readonly owner: string;
  /** Unix seconds: only clients issued before it may be reclaimed. */
  readonly reclaimIssuedBefore: number;
}

/**
 * Result of `registerClientWithinCaps`. For the per-owner cap the reclaimed client is the
 * owner's own oldest reclaimable one; for the total cap, the oldest reclaimable client of the
 * owner holding the most clients (ties by owner name).
 */
export type CappedWriteResult<C> =
  | (StoreSuccess<C> & { reclaimed?: ReclaimedClient })
  | StoreFailure
  | { ok: false; reason: 'cap_reached'; cap: 'maxClients' | 'maxClientsPerOwner' };

/** The client `registerClientWithinCaps` removed to make room. */
export interface ReclaimedClient {
  readonly client_id: string;
  /** Its `owner`. */
  readonly owner: string;
  /** The cap that was reached. */
  readonly cap: 'maxClients' | 'maxClientsPerOwner';
}

/** Which page of clients `listClients` answers. */
export interface ClientPageOptions {
  /** The most clients in the page. */
  readonly limit?: number;
  /** The `next` of the previous page; absent for the first. */
  readonly after?: string;
}

/** One page of a store listing, for administration. */
export interface ClientPage {
  readonly clients: ClientRegistration[];
  /** Pass as `after` to read the next page; absent on the last page. */
  readonly next?: string;
}

/** The names of the contract's callbacks, in the order docs/store-contract.md lists them. */
export const STORE_CALLBACKS = [
  'registerClient',
  'loadClient',
  'clientRegistrationAccessTokenHash',
  'clientRegistration',
  'updateClient',
  'unregisterClient',
  'touchClient',
  'activateClient',
  'approveClient',
  'rejectClient',
  'sweepExpired',
  'consumeOnce',
] as const;

/**
 * A stored initial access token (RFC 7591 §3). The token itself is never
 * stored: `token_hash` is its `sha256:` hash.
 */
export interface InitialAccessTokenRecord {
  /** A public identifier for listing and revoking; not the token. */
  id: string;
  /** `sha256:` + base64url SHA-256 of the token. */
  token_hash: string;
  /** Unix seconds. */
  created_at: number;
  /** Unix seconds from which the token no longer works; absent: never expires. */
  expires_at?: number;
  /** How many registrations the token allows; absent: unlimited. */
  max_uses?: number;
  /** How many registrations it has been used for. */
  uses: number;
  /** Applied to every client the token registers, at registration and on each update. */
  policy?: MetadataPolicy;
  /** A note for administrators (whom the token was given to). */
  label?: string;
}

/**
 * Optional store capability: initial access tokens kept in the store
 * (`registrar tokens create`, `initialAccessToken: { stored: true }`). A store
 * that has it implements all five methods; `hasInitialAccessTokens` tells.
 * Registrar looks tokens up by hash: a SHA-256 of 256 random bits leaks
 * nothing useful through an index lookup's timing.
 */
export interface InitialAccessTokenStore {
  /** Persist a new token; ids and hashes are fresh random values. */
  createInitialAccessToken(record: InitialAccessTokenRecord): Promise<void> | void;
  /** The token with this hash, expired or used up or not; `null` when there is none. */
  findInitialAccessToken(
    tokenHash: string,
  ): Promise<InitialAccessTokenRecord | null> | InitialAccessTokenRecord | null;
  /**
   * Count one use, atomically across concurrent callers and instances:
   * succeed (`true`) only when the token exists, `now` (Unix seconds) is
   * before its `expires_at`, and its `uses` are below `max_uses`. Of N
   * concurrent calls on a token with one use left, exactly one succeeds.
   */
  consumeInitialAccessToken(tokenHash: string, now: number): Promise<boolean> | boolean;
  /** Every stored token, oldest first. */
  listInitialAccessTokens(): Promise<InitialAccessTokenRecord[]> | InitialAccessTokenRecord[];
  /** Delete a token by id; `true` when this call removed it. */
  revokeInitialAccessToken(id: string): Promise<boolean> | boolean;
}

/** The names of the `InitialAccessTokenStore` methods. */
export const INITIAL_ACCESS_TOKEN_CALLBACKS = [
  'createInitialAccessToken',
  'findInitialAccessToken',
  'consumeInitialAccessToken',
  'listInitialAccessTokens',
  'revokeInitialAccessToken',
] as const;

/** The deny list of stateless registration (docs/stateless-registration.md#revocation). */
export const STATELESS_CLIENT_CALLBACKS = ['revokeStatelessClient', 'isStatelessClientRevoked'] as const;

/**
 * Every callback name a store may implement, each also a flat configuration
 * key that overrides the store's method: the contract, the one-read lookup,
 * the administration listing, the caps and the initial-access-token capability.
 */
export const ALL_STORE_CALLBACKS: readonly (
  | (typeof STORE_CALLBACKS)[number]
  | 'loadClientWithRegistration'
  | 'listClients'
  | 'registerClientWithinCaps'
  | (typeof INITIAL_ACCESS_TOKEN_CALLBACKS)[number]
  | (typeof STATELESS_CLIENT_CALLBACKS)[number]
)[] = [
  ...STORE_CALLBACKS,
  'loadClientWithRegistration',
  'listClients',
  'registerClientWithinCaps',
  ...INITIAL_ACCESS_TOKEN_CALLBACKS,
  ...STATELESS_CLIENT_CALLBACKS,
];

/**
 * Whether a stored token can register one more client at `now` (Unix
 * seconds): not expired (`expires_at` is the first second it no longer
 * works) and not used up.
 */
export function isInitialAccessTokenUsable(record: InitialAccessTokenRecord, now: number): boolean {
  // Written as "not before" so that an expiry no comparison can pass (NaN) fails closed.
  if (record.expires_at !== undefined && !(now < record.expires_at)) return false;
  return record.max_uses === undefined || record.uses < record.max_uses;
}

/**
 * Whether `store` implements the initial-access-token capability.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export function hasInitialAccessTokens(store: unknown): store is InitialAccessTokenStore {
  if (typeof store !== 'object' || store === null) return false;
  const methods = store as Record<string, unknown>;
  return INITIAL_ACCESS_TOKEN_CALLBACKS.every((name) => typeof methods[name] === 'function');
}
