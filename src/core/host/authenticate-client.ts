/**
 * Client authentication for the host's token endpoint (docs/client-authentication.md#client-authentication-at-your-token-endpoint, RFC 6749
 * §2.3, RFC 7523 §2.2 and §3): which method a request uses, the secret
 * check, expiry, replay, and the renewal of `last_used_at` on success.
 * Signature verification of `private_key_jwt` assertions is passed in, so
 * this module stays free of a JOSE library.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { verifyCredential } from '../credentials/credentials.js';
import { decodeUtf8 } from '../credentials/encoding.js';
import { isClientExpired } from '../endpoints/manage-client.js';
import { ConfigurationError, invalidClient, invalidRequest, RegistrationError } from '../errors.js';
import type { ClientMetadata } from '../metadata/client-metadata.js';
import { isAcceptableClientId, isAcceptableJti } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore, loadStoredClient } from '../store/store-calls.js';
import { isClientIdUrl } from './client-document.js';
import { awaitsActivation, pendingApproval, recordProvenUse } from './client-lifecycle.js';
import { ClientResolutionError } from './client-resolution-error.js';
import { isStatelessClient, openStatelessClient } from './stateless-clients.js';

/** The token endpoint authentication methods Registrar verifies. */
export type ClientAuthenticationMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none';

/** RFC 7523 §2.2: the only `client_assertion_type` accepted. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Form parameters that carry client credentials (RFC 6749 §2.3.1, RFC 7521 §4.2). */
export const CLIENT_AUTHENTICATION_PARAMETERS: readonly string[] = [
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
];

/** A successfully authenticated client: a registered one, or one named by its metadata document's URL. */
export type ClientAuthentication<C> =
  | {
      /** Found in the store. */
      readonly source: 'registration';
      readonly clientId: string;
      /** The host's client, as `loadClient` returned it. */
      readonly client: C;
      /** The stored registration. */
      readonly registration: ClientRegistration;
      /** `registration.metadata`. */
      readonly metadata: ClientMetadata;
      /** The method the request used: always the client's registered `token_endpoint_auth_method`. */
      readonly method: ClientAuthenticationMethod;
      /** `true` for `none`: the client proved nothing, so the host must require PKCE (RFC 7636). */
      readonly publicClient: boolean;
    }
  | {
      /** A stateless client (docs/stateless-registration.md): its `client_id` carries the registration. */
      readonly source: 'stateless';
      readonly clientId: string;
      /** The registration the id carries: what a host persists through `registerClient`, if it keeps one. */
      readonly registration: ClientRegistration;
      /** `registration.metadata`. */
      readonly metadata: ClientMetadata;
      /** The method the request used: always the client's registered `token_endpoint_auth_method`. */
      readonly method: ClientAuthenticationMethod;
      /** `true` for `none`: the client proved nothing, so the host must require PKCE (RFC 7636). */
      readonly publicClient: boolean;
    }
  | {
      /** A Client ID Metadata Document client: its `client_id` is the document's URL. */
      readonly source: 'metadata_document';
      readonly clientId: string;
      /** The document's validated metadata, as `resolveClient` answers it. */
      readonly metadata: ClientMetadata;
      /** The document's `token_endpoint_auth_method`: `none` or `private_key_jwt`. */
      readonly method: 'none' | 'private_key_jwt';
      /** `true` for `none`: the client proved nothing, so the host must require PKCE (RFC 7636). */
      readonly publicClient: boolean;
    };

/** Resolves a metadata document client, as `resolveClient` does (cached, through the safe fetcher). */
export type DocumentResolver = (clientId: string) => Promise<{ readonly metadata: ClientMetadata }>;

/** What a verified assertion proved, for replay protection. */
export interface VerifiedAssertion {
  /** The `jti` claim. */
  readonly jti: string;
  /** The `exp` claim, Unix seconds. */
  readonly exp: number;
}

/**
 * Verifies a `private_key_jwt` assertion against the client's keys: the
 * signature, `iss` = `sub` = client id, `aud`, `exp`, and a present `jti`.
 * Throws when it does not hold; a `RegistrationError` it throws is answered
 * as is, anything else as `invalid_client`.
 */
export type AssertionVerifier = (
  clientId: string,
  metadata: ClientMetadata,
  assertion: string,
) => Promise<VerifiedAssertion>;

/** The parts of a token request that carry client credentials. */
export interface TokenRequestCredentials {
  /** The `Authorization` header, or `null`. */
  readonly authorization: string | null;
  /** The form parameters of the request body (RFC 6749 §3.2: `application/x-www-form-urlencoded`). */
  readonly form: URLSearchParams;
}

// RFC 7617 §2: "Basic" SP token68; the credentials are base64.
const BASIC = /^Basic +([A-Za-z0-9+/]+=*) *$/i;

/** RFC 6749 §2.3.1 / Appendix B: Basic credentials are form-encoded before base64. */
function formDecode(value: string): string | null {
  // Nothing to decode in most credentials: no escape, no plus.
  if (!value.includes('%') && !value.includes('+')) return value;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Only printable ASCII, whose bytes are their text; anything else is decoded as UTF-8. */
const ASCII = /^[ -~]*$/;

function decodeBasic(token: string): { clientId: string; secret: string } | null {
  let binary: string;
  try {
    binary = atob(token);
  } catch {
    return null;
  }
  // Minted ids and secrets are ASCII (base64url), whose bytes are their text; anything else is UTF-8.
  let text = binary;
  if (!ASCII.test(binary)) {
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    try {
      text = decodeUtf8(bytes);
    } catch {
      return null;
    }
  }
  const colon = text.indexOf(':');
  if (colon === -1) return null;
  const clientId = formDecode(text.slice(0, colon));
  const secret = formDecode(text.slice(colon + 1));
  if (clientId === null || secret === null || clientId === '') return null;
  return { clientId, secret };
}

/** The unverified `sub` (else `iss`) of a compact JWS, to find the client whose keys verify it. */
function assertionSubject(assertion: string): string | null {
  const parts = assertion.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob((parts[1] as string).replace(/-/g, '+').replace(/_/g, '/'));
    const payload = JSON.parse(decodeUtf8(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as unknown;
    if (typeof payload !== 'object' || payload === null) return null;
    const { sub, iss } = payload as { sub?: unknown; iss?: unknown };
    if (typeof sub === 'string' && sub !== '') return sub;
    return typeof iss === 'string' && iss !== '' ? iss : null;
  } catch {
    return null;
  }
}

/** One method's credentials, as read from the request. */
type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string }
  | { method: 'none'; clientId: string };

/**
 * Reads which method the request uses. RFC 6749 §2.3: a client must not use
 * more than one; RFC 6749 §3.2: no parameter may be repeated. Both are
 * malformed requests (400 `invalid_request`, RFC 6749 §5.2).
 */
function presentedCredentials(request: TokenRequestCredentials, realm: string): Presented {
  const { form } = request;
  for (const name of CLIENT_AUTHENTICATION_PARAMETERS) {
    if (form.getAll(name).length > 1) throw invalidRequest(`The ${name} parameter is repeated.`);
  }
  const basicMatch = request.authorization === null ? null : BASIC.exec(request.authorization);
  const usesBasic = request.authorization !== null && /^Basic(?: |$)/i.test(request.authorization);
  const usesPost = form.has('client_secret');
  const usesJwt = form.has('client_assertion') || form.has('client_assertion_type');
  if ([usesBasic, usesPost, usesJwt].filter(Boolean).length > 1) {
    throw invalidRequest('The request uses more than one client authentication method.');
  }
  const formClientId = form.get('client_id');
  if (usesBasic) {
    const decoded = basicMatch ? decodeBasic(basicMatch[1] as string) : null;
    if (decoded === null) throw invalidClient(realm, new Error('malformed Basic credentials'));
    if (formClientId !== null && formClientId !== decoded.clientId) {
      throw invalidClient(realm, new Error('client_id parameter differs from the Basic credentials'));
    }
    return { method: 'client_secret_basic', ...decoded };
  }
  if (usesPost) {
    if (formClientId === null || formClientId === '') {
      throw invalidClient(undefined, new Error('client_secret without client_id'));
    }
    return { method: 'client_secret_post', clientId: formClientId, secret: form.get('client_secret') ?? '' };
  }
  if (usesJwt) {
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION_TYPE || !assertion) {
      throw invalidClient(
        undefined,
        new Error('missing client_assertion or unsupported client_assertion_type'),
      );
    }
    const clientId = formClientId ?? assertionSubject(assertion);
    if (clientId === null || clientId === '') {
      throw invalidClient(undefined, new Error('the assertion names no client'));
    }
    return { method: 'private_key_jwt', clientId, assertion };
  }
  if (formClientId === null || formClientId === '') {
    throw invalidClient(undefined, new Error('no client authentication'));
  }
  return { method: 'none', clientId: formClientId };
}

/**
 * Authenticates the client of a token request. Answers the client, or
 * throws a `RegistrationError`: 401 `invalid_client` (with a Basic challenge
 * when Basic was tried) for every authentication failure, 400
 * `invalid_request` for a malformed request. A `client_id` or `jti` past
 * `MAX_CLIENT_ID_LENGTH` / `MAX_JTI_LENGTH`, or with NUL or a lone surrogate,
 * is `invalid_client` before any store call. On success the store's
 * `touchClient` renews `last_used_at`, for a public client (`none`) too:
 * naming its `client_id` is all its authentication is. A client waiting for
 * activation is activated by a secret or a verified assertion
 * (`activateClient`), never by a bare `client_id`. A client pending approval
 * is `invalid_client` whose `cause` is a `ClientResolutionError` with code
 * `pending_approval` (docs/admission.md#the-approval-queue).
 *
 * When metadata documents are on and `resolveDocument` is given, an `https`
 * `client_id` is a document client: its document is resolved (cached, as
 * `resolveClient` does) and the request must use the document's method,
 * `none` or `private_key_jwt` against the document's `jwks` or `jwks_uri`,
 * with replay protection through `consumeOnce`.
 */
export async function authenticateClient<C>(
  settings: Settings<C>,
  request: TokenRequestCredentials,
  verifyAssertion: AssertionVerifier,
  resolveDocument?: DocumentResolver,
): Promise<ClientAuthentication<C>> {
  const { store, crypto } = settings;
  const load = store.loadClient;
  const read = store.clientRegistration;
  const documents = settings.clientIdMetadataDocuments.enabled ? resolveDocument : undefined;
  if ((!load || !read) && !documents && !settings.statelessRegistration) {
    throw new ConfigurationError('authenticateClient needs the loadClient and clientRegistration callbacks.');
  }
  const realm = settings.issuer;
  const presented = presentedCredentials(request, realm);
  const { clientId, method } = presented;
  const basicRealm = method === 'client_secret_basic' ? realm : undefined;
  const fail = (reason: string, cause: Error = new Error(reason)): never => {
    settings.logger.info({
      msg: 'client authentication failed',
      client_id: clientId.slice(0, 200),
      method,
      reason,
    });
    throw invalidClient(basicRealm, cause);
  };
  if (!isAcceptableClientId(clientId)) return fail('client_id too long or not text');

  /** `private_key_jwt`: the assertion verified against the client's keys, then its `jti` spent once. */
  async function checkAssertion(metadata: ClientMetadata, assertion: string): Promise<void> {
    const consume = store.consumeOnce;
    if (!consume) {
      // Without a shared replay record an assertion could be replayed: fail closed (docs/behaviour.md).
      settings.logger.error({
        msg: 'private_key_jwt needs the consumeOnce callback; authentication refused',
      });
      return fail('consumeOnce is not configured');
    }
    let verified: VerifiedAssertion;
    try {
      verified = await verifyAssertion(clientId, metadata, assertion);
    } catch (error) {
      if (error instanceof RegistrationError) throw error;
      return fail(`assertion refused: ${error instanceof Error ? error.name : 'error'}`);
    }
    if (!isAcceptableJti(verified.jti)) fail('jti too long or not text');
    // RFC 7523 §3: a jti seen before is a replay.
    const key = `private_key_jwt:${clientId}:${verified.jti}`;
    const first = await callStore('consumeOnce', () => consume(key, verified.exp));
    if (first !== true) fail('assertion replayed');
  }

  if (documents && isClientIdUrl(clientId)) {
    let metadata: ClientMetadata;
    try {
      ({ metadata } = await documents(clientId));
    } catch (error) {
      if (!(error instanceof ClientResolutionError)) throw error;
      return fail(`metadata document refused: ${error.code}`);
    }
    if (metadata.token_endpoint_auth_method !== method) {
      return fail("method differs from the metadata document's token_endpoint_auth_method");
    }
    if (presented.method === 'private_key_jwt') await checkAssertion(metadata, presented.assertion);
    else if (presented.method !== 'none') return fail('a metadata document client has no secret');
    return {
      source: 'metadata_document',
      clientId,
      metadata,
      method: presented.method,
      publicClient: presented.method === 'none',
    };
  }
  // A stateless id is decided by itself and the deny list, never by a store lookup.
  const stateless = isStatelessClient(settings as Settings<unknown>, clientId);
  if (!stateless && (!load || !read)) return fail('no store for registered clients');
  const stored = stateless ? undefined : await loadStoredClient(store, clientId);
  const client = stored?.client;
  const registration = stateless
    ? await openStatelessClient(settings as Settings<unknown>, clientId)
    : stored?.registration;
  const secretMethod =
    presented.method === 'client_secret_basic' || presented.method === 'client_secret_post';
  // Hash a presented secret whatever was found, so timing does not tell unknown clients apart.
  const secretMatches = secretMethod
    ? await verifyCredential(crypto, presented.secret, registration?.client_secret_hash)
    : false;
  if (registration === null || registration === undefined) return fail('unknown client');
  const now = Math.floor(settings.now() / 1000);
  if (isClientExpired(registration, now)) return fail('client expired');
  if (registration.metadata.token_endpoint_auth_method !== method) {
    return fail('method differs from the registered token_endpoint_auth_method');
  }
  if (secretMethod) {
    if (!secretMatches) return fail('secret mismatch');
    const expiresAt = registration.client_secret_expires_at;
    if (expiresAt !== 0 && now >= expiresAt) return fail('client secret expired');
  } else if (presented.method === 'private_key_jwt') {
    await checkAssertion(registration.metadata, presented.assertion);
  }
  // Checked only once the credentials held, so a wrong secret learns nothing of the queue.
  if (registration.pending_approval === true) return fail('client pending approval', pendingApproval());
  const publicClient = method === 'none';
  if (stateless)
    return {
      source: 'stateless',
      clientId,
      registration,
      metadata: registration.metadata,
      method,
      publicClient,
    };
  if (client === null || client === undefined) return fail('unknown client');
  // A bare client_id proves nothing: a public client is activated only by the host's reportClientUse.
  if (method !== 'none' || !awaitsActivation(registration)) {
    await recordProvenUse(settings, registration, now);
  }
  return {
    source: 'registration',
    clientId,
    client,
    registration,
    metadata: registration.metadata,
    method,
    publicClient,
  };
}
