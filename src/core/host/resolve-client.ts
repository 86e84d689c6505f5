/**
 * Client lookup for the host's authorization endpoint (docs/client-id-metadata-documents.md): a
 * registered `client_id` comes from the store; an `https` URL `client_id` is
 * resolved as a Client ID Metadata Document
 * (draft-ietf-oauth-client-id-metadata-document §3, §4): checked against the
 * trust policy, fetched, validated, and cached within configured bounds.
 * Failures are never cached. A pre-registered document keeps its last good
 * copy in the store, which stands in for a failed fetch for a bounded time;
 * a document that changes its keys or redirect URIs emits
 * `client.metadata_changed`.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { hashCredential, mintSecret } from '../credentials/credentials.js';
import { isClientExpired } from '../endpoints/manage-client.js';
import { RegistrationError } from '../errors.js';
import { describe, emitEvent } from '../events.js';
import type { ClientMetadata } from '../metadata/client-metadata.js';
import { isAcceptableClientId } from '../store/identifiers.js';
import type { ClientRegistration, StoredClient } from '../store/registration-store.js';
import { callStore, checkWriteResult, loadStoredClient } from '../store/store-calls.js';
import {
  checkClientIdUrl,
  documentNotAllowed,
  type FetchedDocument,
  fetchClientDocument,
  hostVerdict,
  isClientIdUrl,
} from './client-document.js';
import { pendingApproval } from './client-lifecycle.js';
import { ClientResolutionError } from './client-resolution-error.js';
import { isStatelessClient, openStatelessClient } from './stateless-clients.js';

/** A client the authorization endpoint may proceed with. */
export type ResolvedClient<C> =
  | {
      /** Found in the store: registered through RFC 7591 or by the host. */
      readonly source: 'registration';
      readonly clientId: string;
      /** The host's client. */
      readonly client: C;
      /** The stored attributes. */
      readonly registration: ClientRegistration;
      /** `registration.metadata`. */
      readonly metadata: ClientMetadata;
    }
  | {
      /** A stateless client (docs/stateless-registration.md): the id carries the registration. */
      readonly source: 'stateless';
      readonly clientId: string;
      /** The registration the id carries. */
      readonly registration: ClientRegistration;
      /** `registration.metadata`. */
      readonly metadata: ClientMetadata;
    }
  | {
      /** Resolved from a Client ID Metadata Document. */
      readonly source: 'metadata_document';
      /** The document's URL. */
      readonly clientId: string;
      /** The validated metadata, defaults filled in, as for a registration. */
      readonly metadata: ClientMetadata;
      /** Unix seconds until which this result is served from the cache. */
      readonly cachedUntil: number;
      /** Whether the document was pre-registered (`importClientDocument`). */
      readonly preRegistered: boolean;
      /** `true` when the live fetch failed and the stored copy of a pre-registered document stood in. */
      readonly storedCopy: boolean;
    };

type DocumentClient = Extract<ResolvedClient<unknown>, { source: 'metadata_document' }>;

/**
 * The resolver behind `registrar.resolveClient`, with the administration of
 * pre-registered documents beside it: one document cache serves all three.
 */
export interface ClientResolver<C> {
  /** Resolves a `client_id`, or rejects with `ClientResolutionError`. */
  resolve(clientId: string): Promise<ResolvedClient<C>>;
  /** Fetches a document and stores it as a pre-registered client; resolves to the stored attributes. */
  importDocument(clientId: string): Promise<ClientRegistration>;
  /** Fetches a pre-registered document again and replaces the stored copy. */
  refreshDocument(clientId: string): Promise<ClientRegistration>;
}

/**
 * The members whose change `client.metadata_changed` reports: where the
 * client's keys and the places codes are sent come from, and how it proves itself.
 */
export const WATCHED_DOCUMENT_MEMBERS: readonly string[] = [
  'redirect_uris',
  'jwks',
  'jwks_uri',
  'token_endpoint_auth_method',
];

/** JSON with object members in name order, so equal values compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member !== null && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : 1)))
      : member,
  );
}

/**
 * The watched members that differ between two copies of a document.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-6
 */
export function changedMembers(before: ClientMetadata, after: ClientMetadata): string[] {
  const earlier = before as Record<string, unknown>;
  const later = after as Record<string, unknown>;
  return WATCHED_DOCUMENT_MEMBERS.filter((member) => canonical(earlier[member]) !== canonical(later[member]));
}

/**
 * Creates the resolver behind `registrar.resolveClient`; its document cache lives as long as it does.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-4
 */
export function createClientResolver<C>(settings: Settings<C>): ClientResolver<C> {
  const options = settings.clientIdMetadataDocuments;
  const general = settings as Settings<unknown>;
  // Least recently used first. Expired entries stay until evicted: they are the
  // copy last seen, against which a new fetch is compared.
  const cache = new Map<string, DocumentClient>();
  const inFlight = new Map<string, Promise<ResolvedClient<C>>>();
  const seconds = () => Math.floor(settings.now() / 1000);

  /** A failed store call (`callStore`'s 503 or 500) as the `ClientResolutionError` to answer. */
  function storeFailure(error: unknown): ClientResolutionError {
    if (error instanceof RegistrationError && error.status === 503) {
      return new ClientResolutionError(
        'temporarily_unavailable',
        'The client store is temporarily unavailable.',
        {
          cause: error,
        },
      );
    }
    return new ClientResolutionError('server_error', 'The client could not be resolved.', { cause: error });
  }

  async function fromStore<T>(operation: string, run: () => T | Promise<T>): Promise<T> {
    try {
      return await callStore(operation, run);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async function lookUp(clientId: string): Promise<StoredClient<C> | undefined> {
    return loadStoredClient(settings.store, clientId, fromStore);
  }

  async function storedDocument(clientId: string): Promise<StoredClient<C> | undefined> {
    const stored = await lookUp(clientId);
    return stored?.registration.document_fetched_at === undefined ? undefined : stored;
  }

  async function registered(clientId: string): Promise<ResolvedClient<C>> {
    const { loadClient, clientRegistration } = settings.store;
    const unknown = () => new ClientResolutionError('unknown_client', 'The client is not registered.');
    // With stateless registration and no stored clients, any other id is simply unknown.
    if ((!loadClient || !clientRegistration) && settings.statelessRegistration) throw unknown();
    if (!loadClient || !clientRegistration) {
      throw new TypeError('resolveClient needs the loadClient and clientRegistration callbacks.');
    }
    if (clientId === '' || !isAcceptableClientId(clientId)) throw unknown();
    const stored = await lookUp(clientId);
    // A pre-registered document is a client only while documents are on.
    if (!stored || stored.registration.document_fetched_at !== undefined) throw unknown();
    const { client, registration } = stored;
    if (registration.pending_approval === true) throw pendingApproval();
    return { source: 'registration', clientId, client, registration, metadata: registration.metadata };
  }

  /** A stateless id: opened under a configured key, not denied, not expired. */
  async function statelessClient(clientId: string): Promise<ResolvedClient<C>> {
    const registration = await openStatelessClient(general, clientId).catch((error: unknown) => {
      throw storeFailure(error);
    });
    if (registration === null || isClientExpired(registration, seconds())) {
      throw new ClientResolutionError('unknown_client', 'The client is not registered.');
    }
    return { source: 'stateless', clientId, registration, metadata: registration.metadata };
  }

  function remember(resolved: DocumentClient): void {
    cache.delete(resolved.clientId);
    cache.set(resolved.clientId, resolved);
    if (cache.size > options.cacheMaxEntries) cache.delete(cache.keys().next().value as string);
  }

  function documentClient(
    clientId: string,
    metadata: ClientMetadata,
    lifetime: number,
    stored: StoredClient<C> | undefined,
    storedCopy: boolean,
  ): DocumentClient {
    return {
      source: 'metadata_document',
      clientId,
      metadata,
      cachedUntil: seconds() + lifetime,
      preRegistered: stored !== undefined,
      storedCopy,
    };
  }

  /** Emits `client.metadata_changed` when the watched members differ from `previous`. */
  async function reportChange(clientId: string, previous: ClientMetadata | undefined, next: ClientMetadata) {
    const changed = previous === undefined ? [] : changedMembers(previous, next);
    if (changed.length === 0) return;
    await emitEvent(settings.onEvent, settings.logger, {
      type: 'client.metadata_changed',
      client_id: clientId,
      time: seconds(),
      changed,
    });
  }

  /** Writes a fresh copy over the stored one. */
  async function saveCopy(stored: StoredClient<C>, metadata: ClientMetadata): Promise<ClientRegistration> {
    const next: ClientRegistration = { ...stored.registration, metadata, document_fetched_at: seconds() };
    const update = settings.store.updateClient;
    if (!update) throw new TypeError('Pre-registered documents need the updateClient callback.');
    const expected = stored.registration.registration_access_token_hash ?? '';
    const result = await fromStore('updateClient', async () =>
      checkWriteResult<C>('updateClient', await update(stored.client, next, expected)),
    );
    if (!result.ok) {
      throw new ClientResolutionError('server_error', 'The store refused the fresh copy of the document.', {
        cause: new Error(`updateClient refused: ${result.reason}`),
      });
    }
    return next;
  }

  /**
   * A live fetch: the fresh copy replaces the stored one of a pre-registered
   * document (a failed write is logged, and the live copy still serves), and
   * a change from the copy last seen is reported.
   */
  async function fetchLive(clientId: string, stored: StoredClient<C> | undefined): Promise<FetchedDocument> {
    const fetched = await fetchClientDocument(general, clientId);
    const previous = stored?.registration.metadata ?? cache.get(clientId)?.metadata;
    if (stored) {
      await saveCopy(stored, fetched.metadata).catch((error: unknown) => {
        settings.logger.warn({
          msg: 'the fresh copy of a pre-registered document was not stored',
          client_id: clientId,
          cause: describe(error),
        });
      });
    }
    await reportChange(clientId, previous, fetched.metadata);
    return fetched;
  }

  async function resolveDocument(clientId: string, url: URL): Promise<ResolvedClient<C>> {
    const verdict = hostVerdict(general, url);
    if (verdict === 'denied') throw documentNotAllowed();
    const stored = await storedDocument(clientId);
    if (verdict === 'unlisted' && !stored) throw documentNotAllowed();
    let resolved: DocumentClient;
    try {
      const { metadata, lifetime } = await fetchLive(clientId, stored);
      resolved = documentClient(clientId, metadata, lifetime, stored, false);
    } catch (error) {
      const fetchedAt = stored?.registration.document_fetched_at;
      const usable =
        error instanceof ClientResolutionError &&
        error.code === 'document_unavailable' &&
        stored !== undefined &&
        fetchedAt !== undefined &&
        seconds() - fetchedAt < options.storedCopyMaxAgeSeconds;
      if (!usable) throw error;
      settings.logger.warn({
        msg: 'metadata document unavailable; serving the stored copy',
        client_id: clientId,
        cause: error.message,
      });
      // Kept for the shortest lifetime, so the live document is tried again soon.
      resolved = documentClient(
        clientId,
        stored.registration.metadata,
        options.cacheMinSeconds,
        stored,
        true,
      );
    }
    remember(resolved);
    return resolved;
  }

  function fromDocument(clientId: string): Promise<ResolvedClient<C>> {
    const url = checkClientIdUrl(clientId);
    const cached = cache.get(clientId);
    if (cached && cached.cachedUntil * 1000 > settings.now()) {
      remember(cached);
      return Promise.resolve(cached);
    }
    // Concurrent requests for one document share one fetch.
    let pending = inFlight.get(clientId);
    if (!pending) {
      pending = resolveDocument(clientId, url).finally(() => inFlight.delete(clientId));
      inFlight.set(clientId, pending);
    }
    return pending;
  }

  function documentsOn(operation: string): void {
    if (!options.enabled) {
      throw new TypeError(`${operation} needs clientIdMetadataDocuments.enabled.`);
    }
  }

  async function importDocument(clientId: string): Promise<ClientRegistration> {
    documentsOn('importClientDocument');
    const url = checkClientIdUrl(clientId);
    if (hostVerdict(general, url) === 'denied') throw documentNotAllowed();
    const register = settings.store.registerClient;
    if (!register) throw new TypeError('importClientDocument needs the registerClient callback.');
    const { metadata, lifetime } = await fetchClientDocument(general, clientId);
    const now = seconds();
    const registration: ClientRegistration = {
      client_id: clientId,
      client_id_issued_at: now,
      client_secret_expires_at: 0,
      // No one holds a token for this hash: RFC 7592 management of the client fails closed,
      // while the store's compare-and-swap on refresh has a value to compare.
      registration_access_token_hash: await hashCredential(settings.crypto, mintSecret(settings.crypto)),
      document_fetched_at: now,
      metadata,
    };
    const result = checkWriteResult<C>(
      'registerClient',
      await fromStore('registerClient', () => register(registration)),
    );
    if (!result.ok) {
      settings.logger.warn({
        msg: 'store refused a pre-registered document',
        client_id: clientId,
        reason: result.reason,
      });
      throw new ClientResolutionError(
        'server_error',
        'The store refused the client; is it already imported?',
      );
    }
    remember(documentClient(clientId, metadata, lifetime, { client: result.client, registration }, false));
    await emitEvent(settings.onEvent, settings.logger, {
      type: 'client.registered',
      client_id: clientId,
      time: now,
    });
    return registration;
  }

  async function refreshDocument(clientId: string): Promise<ClientRegistration> {
    documentsOn('refreshClientDocument');
    const url = checkClientIdUrl(clientId);
    if (hostVerdict(general, url) === 'denied') throw documentNotAllowed();
    const stored = await storedDocument(clientId);
    if (!stored) {
      throw new ClientResolutionError('unknown_client', 'No pre-registered document has this client_id.');
    }
    const fetched = await fetchClientDocument(general, clientId);
    const saved = await saveCopy(stored, fetched.metadata);
    await reportChange(clientId, stored.registration.metadata, fetched.metadata);
    remember(documentClient(clientId, fetched.metadata, fetched.lifetime, stored, false));
    return saved;
  }

  return {
    async resolve(clientId) {
      if (typeof clientId !== 'string') throw new TypeError('resolveClient takes a client_id string.');
      if (options.enabled && isClientIdUrl(clientId)) return fromDocument(clientId);
      if (isStatelessClient(general, clientId)) return statelessClient(clientId);
      return registered(clientId);
    },
    importDocument,
    refreshDocument,
  };
}
