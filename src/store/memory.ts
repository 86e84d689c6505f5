/**
 * A process-local store for tests and development. Every operation is
 * synchronous under the hood, so each is atomic within the process.
 *
 * @module
 */

import type { CappedWriteResult, ClientPage, ReclaimedClient } from '../core/store/registration-store.js';
import type {
  BundledStoreWithTokens,
  ClientRegistration,
  InitialAccessTokenRecord,
  StoreDeleteResult,
  StoreWriteResult,
} from './bundled-store.js';
import {
  checkTokenExpiry,
  isInitialAccessTokenUsable,
  itsOwnRegistration,
  keptOnUpdate,
  renewedExpiry,
} from './bundled-store.js';

/**
 * A client as the store keeps it: its JSON text, so the heap holds one string per client rather
 * than a tree of objects the garbage collector must trace, and the members the store itself reads.
 */
interface StoredClient {
  readonly json: string;
  readonly tokenHash: string | undefined;
  readonly expiresAt: number | undefined;
  readonly owner: string | undefined;
  readonly issuedAt: number;
  /** Whether the client was ever used (activated or touched): never reclaimed then. */
  readonly used: boolean;
  readonly pending: boolean;
}

function storedClient(registration: ClientRegistration): StoredClient {
  return {
    json: JSON.stringify(registration),
    tokenHash: registration.registration_access_token_hash,
    expiresAt: registration.expires_at,
    owner: registration.owner,
    issuedAt: registration.client_id_issued_at,
    used: registration.activated_at !== undefined || registration.last_used_at !== undefined,
    pending: registration.pending_approval === true,
  };
}

/** The stored clients, with each owner's count kept as clients come and go, for the caps. */
class CountedClients extends Map<string, StoredClient> {
  readonly owners = new Map<string, number>();

  private count(owner: string | undefined, by: number): void {
    if (owner === undefined) return;
    const next = (this.owners.get(owner) ?? 0) + by;
    if (next > 0) this.owners.set(owner, next);
    else this.owners.delete(owner);
  }

  override set(clientId: string, stored: StoredClient): this {
    this.count(super.get(clientId)?.owner, -1);
    this.count(stored.owner, 1);
    return super.set(clientId, stored);
  }

  override delete(clientId: string): boolean {
    this.count(super.get(clientId)?.owner, -1);
    return super.delete(clientId);
  }

  override clear(): void {
    this.owners.clear();
    super.clear();
  }
}

/**
 * The client `registerClientWithinCaps` may remove (docs/admission.md#caps), or `undefined`:
 * the oldest never-used client issued before `before`, of `owner` when given, else of the
 * owner holding the most clients (ties by owner name).
 */
function reclaimable(
  clients: ReadonlyMap<string, StoredClient>,
  counts: ReadonlyMap<string, number>,
  before: number,
  owner?: string,
): { clientId: string; owner: string } | undefined {
  let best: { clientId: string; owner: string; rank: number; issuedAt: number } | undefined;
  for (const [clientId, stored] of clients) {
    if (stored.owner === undefined || stored.used || !(stored.issuedAt < before)) continue;
    if (owner !== undefined && stored.owner !== owner) continue;
    const rank = counts.get(stored.owner) ?? 0;
    const better =
      best === undefined ||
      rank > best.rank ||
      (rank === best.rank &&
        (stored.owner < best.owner ||
          (stored.owner === best.owner &&
            (stored.issuedAt < best.issuedAt ||
              (stored.issuedAt === best.issuedAt && clientId < best.clientId)))));
    if (better) best = { clientId, owner: stored.owner, rank, issuedAt: stored.issuedAt };
  }
  return best && { clientId: best.clientId, owner: best.owner };
}

const parseClient = (stored: StoredClient): ClientRegistration =>
  JSON.parse(stored.json) as ClientRegistration;

/**
 * Creates an empty in-memory store. Nothing survives the process.
 * @see docs/store-contract.md
 */
export function createMemoryStore(): BundledStoreWithTokens {
  const clients = new CountedClients();
  const once = new Map<string, number>();
  // The deny list of stateless ids: key to the last second it matters.
  const denied = new Map<string, number>();
  /** Initial access tokens by hash, in creation order. */
  const tokens = new Map<string, InitialAccessTokenRecord>();

  /** A fresh copy of the stored client, or `null`. */
  async function readOne(clientId: string): Promise<ClientRegistration | null> {
    const found = clients.get(clientId);
    return found ? parseClient(found) : null;
  }

  return {
    async registerClient(attrs): Promise<StoreWriteResult<ClientRegistration>> {
      if (clients.has(attrs.client_id)) return { ok: false, reason: 'duplicate client_id' };
      clients.set(attrs.client_id, storedClient(attrs));
      // The caller's own object is its client: the store keeps text no caller can reach.
      return { ok: true, client: attrs };
    },
    async registerClientWithinCaps(attrs, caps): Promise<CappedWriteResult<ClientRegistration>> {
      // No await from the count to the insert: atomic within the process.
      if (clients.has(attrs.client_id)) return { ok: false, reason: 'duplicate client_id' };
      const counts = clients.owners;
      let total = clients.size;
      let reclaimed: ReclaimedClient | undefined;
      const perOwner = caps.maxClientsPerOwner;
      if (perOwner !== undefined && (counts.get(caps.owner) ?? 0) >= perOwner) {
        const victim = reclaimable(clients, counts, caps.reclaimIssuedBefore, caps.owner);
        if (!victim) return { ok: false, reason: 'cap_reached', cap: 'maxClientsPerOwner' };
        reclaimed = { client_id: victim.clientId, owner: victim.owner, cap: 'maxClientsPerOwner' };
        total--;
      }
      if (caps.maxClients !== undefined && total >= caps.maxClients) {
        const victim = reclaimed ? undefined : reclaimable(clients, counts, caps.reclaimIssuedBefore);
        if (!victim) return { ok: false, reason: 'cap_reached', cap: 'maxClients' };
        reclaimed = { client_id: victim.clientId, owner: victim.owner, cap: 'maxClients' };
      }
      if (reclaimed) clients.delete(reclaimed.client_id);
      clients.set(attrs.client_id, storedClient(attrs));
      return reclaimed ? { ok: true, client: attrs, reclaimed } : { ok: true, client: attrs };
    },
    loadClient: readOne,
    async loadClientWithRegistration(clientId) {
      return itsOwnRegistration(await readOne(clientId));
    },
    async clientRegistrationAccessTokenHash(client) {
      return client.registration_access_token_hash ?? null;
    },
    async clientRegistration(client) {
      return readOne(client.client_id);
    },
    async updateClient(client, attrs, expectedTokenHash): Promise<StoreWriteResult<ClientRegistration>> {
      const stored = clients.get(client.client_id);
      if (!stored) return { ok: false, reason: 'not_found' };
      if (stored.tokenHash !== expectedTokenHash) return { ok: false, reason: 'conflict' };
      const next = storedClient(keptOnUpdate(parseClient(stored), { ...attrs, client_id: client.client_id }));
      clients.set(client.client_id, next);
      return { ok: true, client: parseClient(next) };
    },
    async unregisterClient(client): Promise<StoreDeleteResult<ClientRegistration>> {
      const stored = clients.get(client.client_id);
      if (!stored) return { ok: false, reason: 'not_found' };
      clients.delete(client.client_id);
      return { ok: true, client: parseClient(stored) };
    },
    async touchClient(clientId, at) {
      const stored = clients.get(clientId);
      if (!stored) return;
      const registration = parseClient(stored);
      const expiresAt = renewedExpiry(registration, at);
      registration.last_used_at = at;
      if (expiresAt !== undefined) registration.expires_at = expiresAt;
      clients.set(clientId, storedClient(registration));
    },
    async activateClient(clientId, at, expiresAt) {
      const stored = clients.get(clientId);
      if (!stored) return false;
      const registration = parseClient(stored);
      if (registration.activated_at !== undefined) return false;
      registration.activated_at = at;
      registration.last_used_at = at;
      if (expiresAt === null) delete registration.expires_at;
      else registration.expires_at = expiresAt;
      clients.set(clientId, storedClient(registration));
      return true;
    },
    async approveClient(clientId) {
      const stored = clients.get(clientId);
      if (!stored) return false;
      const registration = parseClient(stored);
      if (registration.pending_approval !== true) return false;
      delete registration.pending_approval;
      clients.set(clientId, storedClient(registration));
      return true;
    },
    async rejectClient(clientId) {
      const stored = clients.get(clientId);
      if (!stored || parseClient(stored).pending_approval !== true) return false;
      return clients.delete(clientId);
    },
    async sweepExpired(now, limit, onExpired) {
      const removed: string[] = [];
      for (const [clientId, { expiresAt }] of clients) {
        if (removed.length >= limit) break;
        if (expiresAt !== undefined && expiresAt < now) {
          clients.delete(clientId);
          removed.push(clientId);
        }
      }
      for (const clientId of removed) onExpired?.(clientId);
      return removed.length;
    },
    async consumeOnce(key, expiresAt) {
      const now = Math.floor(Date.now() / 1000);
      const seen = once.get(key);
      if (seen !== undefined && seen >= now) return false;
      if (once.size >= 10_000) {
        for (const [entry, until] of once) if (until < now) once.delete(entry);
      }
      once.set(key, expiresAt);
      return true;
    },
    async revokeStatelessClient(key, until) {
      denied.set(key, Math.max(denied.get(key) ?? until, until));
    },
    async isStatelessClientRevoked(key) {
      const until = denied.get(key);
      return until !== undefined && until >= Math.floor(Date.now() / 1000);
    },
    async createInitialAccessToken(record) {
      checkTokenExpiry(record);
      tokens.set(record.token_hash, structuredClone(record));
    },
    async findInitialAccessToken(tokenHash) {
      const found = tokens.get(tokenHash);
      return found ? structuredClone(found) : null;
    },
    async consumeInitialAccessToken(tokenHash, now) {
      // No await between the check and the increment: atomic within the process.
      const found = tokens.get(tokenHash);
      if (!found || !isInitialAccessTokenUsable(found, now)) return false;
      found.uses++;
      return true;
    },
    async listInitialAccessTokens() {
      return [...tokens.values()].map((record) => structuredClone(record));
    },
    async revokeInitialAccessToken(id) {
      for (const [hash, record] of tokens) {
        if (record.id === id) return tokens.delete(hash);
      }
      return false;
    },
    async listClients(options = {}): Promise<ClientPage> {
      const limit = options.limit ?? 100;
      const ids = [...clients.keys()]
        .filter((id) => options.after === undefined || id > options.after)
        .sort();
      const page = ids.slice(0, limit);
      const result: ClientPage = { clients: page.map((id) => parseClient(clients.get(id) as StoredClient)) };
      return ids.length > limit ? { ...result, next: page[page.length - 1] as string } : result;
    },
    async countClientsByStatus(now) {
      const counts = { active: 0, pending: 0, expired: 0 };
      for (const stored of clients.values()) {
        if (stored.pending) counts.pending++;
        else if (stored.expiresAt !== undefined && now >= stored.expiresAt) counts.expired++;
        else counts.active++;
      }
      return counts;
    },
    async ping() {},
    async close() {
      clients.clear();
      once.clear();
      tokens.clear();
    },
  };
}
