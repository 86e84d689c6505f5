/**
 * Client lookup for the host's authorization endpoint (docs/client-id-metadata-documents.md): a
 * registered `client_id` comes from the store; an `https` URL `client_id` is
 * resolved as a Client ID Metadata Document
 * (draft-ietf-oauth-client-id-metadata-document §3, §4): fetched through the
 * safe fetcher, checked, validated with the registration rules, and cached
 * within configured bounds. Failures are never cached.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { decodeUtf8, isJsonObject, jsonTextTooDeep, MAX_JSON_DEPTH } from '../credentials/encoding.js';
import { descriptionText, RegistrationError } from '../errors.js';
import { checkSectorIdentifier } from '../metadata/check-sector-identifier.js';
import type { ClientMetadata } from '../metadata/client-metadata.js';
import { UNSAFE_CHARACTERS } from '../metadata/redirect-uri.js';
import { validateClientMetadata } from '../metadata/validate-metadata.js';
import { describeFetchFailure, type OutboundResponse } from '../ports/outbound-fetch.js';
import { isAcceptableClientId } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore } from '../store/store-calls.js';

/**
 * Why a client could not be resolved. Every code means "do not proceed with
 * this authorization request"; the authorization endpoint must not redirect
 * to an unverified redirect URI (RFC 6749 §4.1.2.1).
 */
export type ClientResolutionErrorCode =
  /** No registered client has this id (or metadata documents are off and the id is a URL). */
  | 'unknown_client'
  /** The id is an `https` URL that breaks the client identifier URL rules. */
  | 'invalid_client_id'
  /** The metadata document could not be fetched, or the answer was not 200. */
  | 'document_unavailable'
  /** The metadata document was fetched but is not an acceptable client. */
  | 'invalid_document'
  /** The store threw `StoreUnavailableError`. */
  | 'temporarily_unavailable'
  /** The store failed otherwise, or answered outside the contract. */
  | 'server_error';

/**
 * A client that could not be resolved. `message` is safe to show (it names
 * the rule, never an address, and keeps to the characters RFC 6749 section 5.2
 * allows in an `error_description`); `cause` is private and only for logs.
 */
export class ClientResolutionError extends Error {
  /** A stable code to switch on. */
  readonly code: ClientResolutionErrorCode;

  constructor(code: ClientResolutionErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(descriptionText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientResolutionError';
    this.code = code;
  }
}

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
      /** Resolved from a Client ID Metadata Document. */
      readonly source: 'metadata_document';
      /** The document's URL. */
      readonly clientId: string;
      /** The validated metadata, defaults filled in, as for a registration. */
      readonly metadata: ClientMetadata;
      /** Unix seconds until which this result is served from the cache. */
      readonly cachedUntil: number;
    };

/** Resolves a `client_id`, or rejects with `ClientResolutionError`. */
export type ClientResolver<C> = (clientId: string) => Promise<ResolvedClient<C>>;

/**
 * Token endpoint authentication methods built on a shared secret, which a
 * metadata document cannot establish (draft-ietf-oauth-client-id-metadata-document §4.1).
 */
export const SHARED_SECRET_AUTH_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]);

/** Members a metadata document must not carry (draft-ietf-oauth-client-id-metadata-document §4.1). */
export const FORBIDDEN_DOCUMENT_MEMBERS: readonly string[] = ['client_secret', 'client_secret_expires_at'];

/** The longest client identifier URL accepted, in characters. */
export const MAX_CLIENT_ID_URL_LENGTH = 2048;
/** The most documents kept in one process's cache; the least recently used goes first. */
export const MAX_CACHED_DOCUMENTS = 1000;

/**
 * `token_endpoint_auth_method` of a document that names none: `none`, since a
 * document cannot establish the secret the RFC 7591 default would need.
 */
export const DOCUMENT_DEFAULT_AUTH_METHOD = 'none';

const DOT_SEGMENTS: ReadonlySet<string> = new Set(['.', '..', '%2e', '%2e%2e', '.%2e', '%2e.']);

/** Whether a `client_id` is to be resolved as a metadata document URL. */
export function isClientIdUrl(clientId: string): boolean {
  return /^https:/i.test(clientId);
}

function invalidClientId(message: string): ClientResolutionError {
  return new ClientResolutionError('invalid_client_id', message);
}

/**
 * Checks the client identifier URL rules (draft-ietf-oauth-client-id-metadata-document §3):
 * `https`, a path other than `/`, no dot segments, no fragment, no user
 * information; and, so that one client has one spelling, the form a URL
 * parser writes back.
 */
export function checkClientIdUrl(clientId: string): URL {
  if (clientId.length > MAX_CLIENT_ID_URL_LENGTH) {
    throw invalidClientId(`The client_id URL is longer than ${MAX_CLIENT_ID_URL_LENGTH} characters.`);
  }
  if (UNSAFE_CHARACTERS.test(clientId)) {
    throw invalidClientId('The client_id URL contains whitespace or a control character.');
  }
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw invalidClientId('The client_id URL is not a valid URL.');
  }
  if (!clientId.startsWith('https://'))
    throw invalidClientId("The client_id URL must start with 'https://'.");
  if (clientId.includes('#')) throw invalidClientId('The client_id URL must not contain a fragment.');
  const authority = clientId.slice('https://'.length).split(/[/?]/, 1)[0] ?? '';
  if (authority.includes('@') || url.username !== '' || url.password !== '') {
    throw invalidClientId('The client_id URL must not contain user information.');
  }
  const rawPath = clientId.slice('https://'.length + authority.length).split('?', 1)[0] ?? '';
  if (rawPath.split('/').some((segment) => DOT_SEGMENTS.has(segment.toLowerCase()))) {
    throw invalidClientId('The client_id URL must not contain dot segments.');
  }
  if (rawPath === '' || rawPath === '/') {
    throw invalidClientId("The client_id URL must have a path other than '/'.");
  }
  if (url.href !== clientId) {
    throw invalidClientId('The client_id URL must be in normalised form, as a URL parser writes it back.');
  }
  return url;
}

function invalidDocument(message: string, cause?: unknown): ClientResolutionError {
  return new ClientResolutionError('invalid_document', message, { cause });
}

/** Seconds to keep a document: its `Cache-Control` max-age, clamped to the configured bounds. */
export function cacheLifetime(
  cacheControl: string | undefined,
  minSeconds: number,
  maxSeconds: number,
): number {
  let seconds: number | undefined;
  for (const directive of (cacheControl ?? '').split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=', 2) as [string, string | undefined];
    if (name === 'no-store' || name === 'no-cache') seconds = 0;
    else if (name === 'max-age' && seconds === undefined && value !== undefined && /^\d+$/.test(value)) {
      seconds = Number(value);
    }
  }
  return Math.min(maxSeconds, Math.max(minSeconds, seconds ?? minSeconds));
}

/** Creates the resolver behind `registrar.resolveClient`; its document cache lives as long as it does. */
export function createClientResolver<C>(settings: Settings<C>): ClientResolver<C> {
  const options = settings.clientIdMetadataDocuments;
  const cache = new Map<string, Extract<ResolvedClient<C>, { source: 'metadata_document' }>>();
  const inFlight = new Map<string, Promise<ResolvedClient<C>>>();

  async function fromStore<T>(operation: string, run: () => T | Promise<T>): Promise<T> {
    try {
      return await callStore(operation, run);
    } catch (error) {
      if (error instanceof RegistrationError && error.status === 503) {
        throw new ClientResolutionError(
          'temporarily_unavailable',
          'The client store is temporarily unavailable.',
          {
            cause: error,
          },
        );
      }
      throw new ClientResolutionError('server_error', 'The client could not be resolved.', { cause: error });
    }
  }

  async function registered(clientId: string): Promise<ResolvedClient<C>> {
    const { loadClient, clientRegistration } = settings.store;
    if (!loadClient || !clientRegistration) {
      throw new TypeError('resolveClient needs the loadClient and clientRegistration callbacks.');
    }
    const unknown = () => new ClientResolutionError('unknown_client', 'The client is not registered.');
    if (clientId === '' || !isAcceptableClientId(clientId)) throw unknown();
    const client = await fromStore('loadClient', () => loadClient(clientId));
    if (client === null || client === undefined) throw unknown();
    const registration = await fromStore('clientRegistration', () => clientRegistration(client));
    if (registration === null || registration === undefined) throw unknown();
    return { source: 'registration', clientId, client, registration, metadata: registration.metadata };
  }

  async function fetchDocument(clientId: string): Promise<ResolvedClient<C>> {
    let response: OutboundResponse;
    try {
      response = await settings.outboundFetch(clientId, {
        maxBytes: options.maxBytes,
        accept: 'application/json',
      });
    } catch (error) {
      throw new ClientResolutionError(
        'document_unavailable',
        `The client metadata document could not be fetched: ${describeFetchFailure(error)}.`,
        { cause: error },
      );
    }
    if (response.status !== 200) {
      throw new ClientResolutionError(
        'document_unavailable',
        `The client metadata document answered with HTTP status ${response.status}; 200 is required.`,
      );
    }
    let text: string;
    try {
      text = decodeUtf8(response.body);
    } catch (error) {
      throw invalidDocument('The client metadata document is not valid JSON.', error);
    }
    // Refused before parsing: the metadata of a resolved document goes back to the host to keep or serialise.
    if (jsonTextTooDeep(text)) {
      throw invalidDocument(
        `The client metadata document nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
      );
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw invalidDocument('The client metadata document is not valid JSON.', error);
    }
    if (!isJsonObject(document)) {
      throw invalidDocument('The client metadata document must be a JSON object.');
    }
    const members = document as Record<string, unknown>;
    // Simple string comparison (draft-ietf-oauth-client-id-metadata-document §4.1, RFC 3986 §6.2.1).
    if (members.client_id !== clientId) {
      throw invalidDocument('The client_id in the client metadata document does not equal its URL.');
    }
    for (const member of FORBIDDEN_DOCUMENT_MEMBERS) {
      if (members[member] !== undefined && members[member] !== null) {
        throw invalidDocument(`The client metadata document must not carry ${member}.`);
      }
    }
    const offered = members.token_endpoint_auth_methods_supported;
    let candidates: Record<string, unknown>;
    if (Array.isArray(offered)) {
      // RP Metadata Choices: a document may offer several methods; only those without a
      // shared secret, which a document cannot establish, are candidates.
      const declared = members.token_endpoint_auth_method;
      const withoutSecret = (value: unknown) =>
        typeof value !== 'string' || !SHARED_SECRET_AUTH_METHODS.has(value);
      candidates = {
        ...members,
        token_endpoint_auth_methods_supported: offered.filter(withoutSecret),
        token_endpoint_auth_method: withoutSecret(declared) ? declared : undefined,
      };
    } else {
      const method = members.token_endpoint_auth_method ?? DOCUMENT_DEFAULT_AUTH_METHOD;
      if (typeof method === 'string' && SHARED_SECRET_AUTH_METHODS.has(method)) {
        throw invalidDocument(
          `The client metadata document must not use the shared-secret method '${method}'.`,
        );
      }
      candidates = { ...members, token_endpoint_auth_method: method };
    }
    let metadata: ClientMetadata;
    try {
      metadata = validateClientMetadata(candidates, settings.rules);
      await checkSectorIdentifier(metadata, settings.outboundFetch);
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      throw invalidDocument(`The client metadata document is invalid: ${error.description}`, error);
    }
    const now = settings.now();
    const lifetime = cacheLifetime(
      response.headers['cache-control'],
      options.cacheMinSeconds,
      options.cacheMaxSeconds,
    );
    const resolved = {
      source: 'metadata_document',
      clientId,
      metadata,
      cachedUntil: Math.floor(now / 1000) + lifetime,
    } as const;
    if (lifetime > 0) {
      cache.delete(clientId);
      cache.set(clientId, resolved);
      if (cache.size > MAX_CACHED_DOCUMENTS) cache.delete(cache.keys().next().value as string);
    }
    return resolved;
  }

  function fromDocument(clientId: string): Promise<ResolvedClient<C>> {
    checkClientIdUrl(clientId);
    const cached = cache.get(clientId);
    if (cached) {
      cache.delete(clientId);
      if (cached.cachedUntil * 1000 > settings.now()) {
        cache.set(clientId, cached);
        return Promise.resolve(cached);
      }
    }
    // Concurrent requests for one document share one fetch.
    let pending = inFlight.get(clientId);
    if (!pending) {
      pending = fetchDocument(clientId).finally(() => inFlight.delete(clientId));
      inFlight.set(clientId, pending);
    }
    return pending;
  }

  return async (clientId) => {
    if (typeof clientId !== 'string') throw new TypeError('resolveClient takes a client_id string.');
    if (options.enabled && isClientIdUrl(clientId)) return fromDocument(clientId);
    return registered(clientId);
  };
}
