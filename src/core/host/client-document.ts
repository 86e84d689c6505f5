/**
 * One Client ID Metadata Document (docs/client-id-metadata-documents.md,
 * draft-ietf-oauth-client-id-metadata-document §3, §4): the client
 * identifier URL rules, the host check of the trust policy, and the fetch
 * and validation of the document itself. Caching and stored copies are the
 * resolver's (`resolve-client.ts`).
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { decodeUtf8, isJsonObject, jsonTextTooDeep, MAX_JSON_DEPTH } from '../credentials/encoding.js';
import { RegistrationError } from '../errors.js';
import { checkSectorIdentifier } from '../metadata/check-sector-identifier.js';
import type { ClientMetadata } from '../metadata/client-metadata.js';
import { UNSAFE_CHARACTERS } from '../metadata/redirect-uri.js';
import { validateClientMetadata } from '../metadata/validate-metadata.js';
import { describeFetchFailure, type OutboundResponse } from '../ports/outbound-fetch.js';
import { ClientResolutionError } from './client-resolution-error.js';
import { matchesHostPattern } from './host-patterns.js';

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

/**
 * `token_endpoint_auth_method` of a document that names none: `none`, since a
 * document cannot establish the secret the RFC 7591 default would need.
 */
export const DOCUMENT_DEFAULT_AUTH_METHOD = 'none';

const DOT_SEGMENTS: ReadonlySet<string> = new Set(['.', '..', '%2e', '%2e%2e', '.%2e', '%2e.']);

/**
 * Whether a `client_id` is to be resolved as a metadata document URL.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-3
 */
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
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-3
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

/**
 * What the trust policy says of a document's host before any fetch: `denied`
 * (a `denyHosts` pattern matches), `allowed` (an `allowHosts` pattern
 * matches), or `unlisted` (only a pre-registered document may go on).
 * @see docs/client-id-metadata-documents.md#trust-policy
 */
export function hostVerdict(settings: Settings<unknown>, url: URL): 'denied' | 'allowed' | 'unlisted' {
  const { allowHosts, denyHosts } = settings.clientIdMetadataDocuments;
  if (matchesHostPattern(url.hostname, denyHosts)) return 'denied';
  return matchesHostPattern(url.hostname, allowHosts) ? 'allowed' : 'unlisted';
}

/** The refusal of a host the trust policy keeps out. */
export function documentNotAllowed(): ClientResolutionError {
  return new ClientResolutionError(
    'document_not_allowed',
    "This server does not accept client metadata documents from the client_id URL's host.",
  );
}

function invalidDocument(message: string, cause?: unknown): ClientResolutionError {
  return new ClientResolutionError('invalid_document', message, { cause });
}

/**
 * Seconds to keep a document: its `Cache-Control` max-age, clamped to the configured bounds.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.1
 */
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

/** A document fetched and validated: its metadata and how long it may be kept. */
export interface FetchedDocument {
  readonly metadata: ClientMetadata;
  /** Seconds, from `Cache-Control` within the configured bounds. */
  readonly lifetime: number;
}

async function fetchJson(settings: Settings<unknown>, clientId: string): Promise<OutboundResponse> {
  let response: OutboundResponse;
  try {
    response = await settings.outboundFetch(clientId, {
      maxBytes: settings.clientIdMetadataDocuments.maxBytes,
      accept: 'application/json',
      purpose: 'metadata_document',
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
  return response;
}

function parseDocument(body: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = decodeUtf8(body);
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
  return document as Record<string, unknown>;
}

/**
 * The members to validate: the document with its authentication method
 * settled. Methods a document cannot use (a shared secret always,
 * `private_key_jwt` when confidential document clients are off) are refused
 * when declared alone and dropped from an RP Metadata Choices list.
 */
function authenticationCandidates(
  members: Record<string, unknown>,
  allowConfidential: boolean,
): Record<string, unknown> {
  const usable = (value: unknown) =>
    typeof value !== 'string' ||
    !(SHARED_SECRET_AUTH_METHODS.has(value) || (!allowConfidential && value === 'private_key_jwt'));
  const offered = members.token_endpoint_auth_methods_supported;
  if (Array.isArray(offered)) {
    const declared = members.token_endpoint_auth_method;
    return {
      ...members,
      token_endpoint_auth_methods_supported: offered.filter(usable),
      token_endpoint_auth_method: usable(declared) ? declared : undefined,
    };
  }
  const method = members.token_endpoint_auth_method ?? DOCUMENT_DEFAULT_AUTH_METHOD;
  if (!usable(method)) {
    throw invalidDocument(
      SHARED_SECRET_AUTH_METHODS.has(method as string)
        ? `The client metadata document must not use the shared-secret method '${method}'.`
        : "This server does not accept confidential metadata document clients: token_endpoint_auth_method 'private_key_jwt'.",
    );
  }
  return { ...members, token_endpoint_auth_method: method };
}

/**
 * Fetches `clientId`'s document through the safe fetcher and validates it
 * with the registration rules and the trust policy's content rules.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-4
 */
export async function fetchClientDocument(
  settings: Settings<unknown>,
  clientId: string,
): Promise<FetchedDocument> {
  const options = settings.clientIdMetadataDocuments;
  const response = await fetchJson(settings, clientId);
  const members = parseDocument(response.body);
  // Simple string comparison (draft-ietf-oauth-client-id-metadata-document §4.1, RFC 3986 §6.2.1).
  if (members.client_id !== clientId) {
    throw invalidDocument('The client_id in the client metadata document does not equal its URL.');
  }
  for (const member of FORBIDDEN_DOCUMENT_MEMBERS) {
    if (members[member] !== undefined && members[member] !== null) {
      throw invalidDocument(`The client metadata document must not carry ${member}.`);
    }
  }
  for (const member of options.requiredMembers) {
    if (members[member] === undefined || members[member] === null) {
      throw invalidDocument(`This server requires client metadata documents to carry ${member}.`);
    }
  }
  let metadata: ClientMetadata;
  try {
    metadata = validateClientMetadata(
      authenticationCandidates(members, options.allowConfidentialClients),
      settings.rules,
    );
    await checkSectorIdentifier(metadata, settings.outboundFetch);
  } catch (error) {
    if (!(error instanceof RegistrationError)) throw error;
    throw invalidDocument(`The client metadata document is invalid: ${error.description}`, error);
  }
  const lifetime = cacheLifetime(
    response.headers['cache-control'],
    options.cacheMinSeconds,
    options.cacheMaxSeconds,
  );
  return { metadata, lifetime };
}
