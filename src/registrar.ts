/**
 * `createRegistrar`: the one place the library is composed. It resolves the
 * configuration once, builds the admission checks, the rate limits and the
 * safe fetcher from it, and hands the HTTP handler and the host-facing
 * functions only the parts they need.
 *
 * @module
 */

import { createAssertionVerifier } from './admission/client-assertion.js';
import { createRateLimits } from './admission/create-rate-limits.js';
import { createInitialAccessTokenCheck } from './admission/initial-access-token.js';
import { createSoftwareStatementCheck } from './admission/software-statement.js';
import type { RegistrarConfig } from './core/config/registrar-config.js';
import { resolveConfig } from './core/config/resolve-config.js';
import type { Settings } from './core/config/settings.js';
import {
  createOperatorClient,
  deleteOperatorClient,
  type RotatedSecret,
  rotateOperatorClientSecret,
  updateOperatorClient,
} from './core/endpoints/operator-clients.js';
import type { RegistrarCounts } from './core/events.js';
import { authenticateClient, type ClientAuthentication } from './core/host/authenticate-client.js';
import { type ClientUse, decideApproval, reportClientUse } from './core/host/client-lifecycle.js';
import { discoveryDocument, registrationMetadata } from './core/host/discovery.js';
import { matchRedirectUri } from './core/host/match-redirect-uri.js';
import { createClientResolver, type ResolvedClient } from './core/host/resolve-client.js';
import { isStatelessClient, revokeStatelessClient } from './core/host/stateless-clients.js';
import {
  type SweepOptions,
  type SweepResult,
  sweepExpiredClients,
} from './core/host/sweep-expired-clients.js';
import type { ClientMetadata } from './core/metadata/client-metadata.js';
import type { OutboundFetch, OutboundFetchOptions } from './core/ports/outbound-fetch.js';
import type { ClientRegistration } from './core/store/registration-store.js';
import { createStatelessCodec } from './crypto/stateless-client-id.js';
import { createHandler } from './http/handler.js';
import { readTokenRequest, type TokenRequest } from './http/token-request.js';
import type { RegistrarHandler } from './http/types.js';

/** A mounted Registrar. `C` is the host's client type. */
export interface Registrar<C = unknown> extends RegistrarHandler {
  /**
   * The authorization server metadata members Registrar owns (RFC 8414 §2),
   * for a host that builds its own discovery document.
   */
  metadata(): Record<string, unknown>;
  /**
   * The whole authorization server metadata document (RFC 8414 §2, OpenID
   * Connect Discovery §3): `issuer`, the host's endpoints (`authorizationEndpoint`,
   * `tokenEndpoint`, `jwksUri`), `code_challenge_methods_supported: ["S256"]`,
   * and every member Registrar owns, `client_id_metadata_document_supported`
   * included when documents are on. Serve it at both `wellKnownPath`s.
   *
   * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
   */
  discovery(): Record<string, unknown>;
  /**
   * Looks a `client_id` up for the host's authorization endpoint (docs/client-id-metadata-documents.md):
   * a registered client from the store, or, when `clientIdMetadataDocuments`
   * is enabled, an `https` URL resolved as a Client ID Metadata Document.
   * Rejects with `ClientResolutionError` (a `code` to switch on).
   */
  resolveClient(clientId: string): Promise<ResolvedClient<unknown>>;
  /**
   * Authenticates the client of a request to the host's token endpoint
   * (docs/client-authentication.md#client-authentication-at-your-token-endpoint). Resolves to the client, or rejects with a
   * `RegistrationError` to answer with (`invalid_client`, 401).
   */
  authenticateClient(request: Request | TokenRequest): Promise<ClientAuthentication<C>>;
  /**
   * Pre-registers a Client ID Metadata Document (docs/client-id-metadata-documents.md#pre-registered-documents):
   * fetches and validates it now and stores it as a client whose `client_id`
   * is the URL. The stored copy admits the document past `allowHosts` and
   * stands in when a later fetch fails, for up to `storedCopyMaxAgeSeconds`.
   * Rejects with `ClientResolutionError`.
   */
  importClientDocument(clientId: string): Promise<ClientRegistration>;
  /**
   * Fetches a pre-registered document again now and replaces the stored copy;
   * emits `client.metadata_changed` when its keys or redirect URIs changed.
   * Rejects with `ClientResolutionError` (`unknown_client` when it was never imported).
   */
  refreshClientDocument(clientId: string): Promise<ClientRegistration>;
  /**
   * What this Registrar has done since it was created (docs/admission.md#counts):
   * registrations accepted, refused by error code (`too_many_requests` is the
   * rate limit), and every event by type. Per instance; for a metrics exporter to read.
   */
  counts(): RegistrarCounts;
  /** Whether `requested` is one of the client's redirect URIs (exact; any port on loopback, RFC 8252 §7.3). */
  matchRedirectUri(client: ClientRegistration | ClientMetadata, requested: string): boolean;
  /**
   * Removes expired clients (docs/client-authentication.md#client-lifecycle) and emits `client.expired` for each;
   * for a host to schedule. Needs the store's `sweepExpired`.
   */
  sweep(options?: SweepOptions): Promise<SweepResult>;
  /**
   * Reports a successful grant to a registered client: a proven use
   * (docs/client-authentication.md#the-activation-window). It is how a public
   * (`none`) client, whose token request proves nothing, is activated; for
   * any client it renews `last_used_at` as a successful authentication does.
   * Rejects with `ClientResolutionError` (`unknown_client`, `pending_approval`).
   */
  reportClientUse(clientId: string): Promise<ClientUse>;
  /**
   * Approves a client a policy held for approval (docs/admission.md#the-approval-queue)
   * and emits `client.approved`. Resolves to `true` when this call approved
   * it, `false` when it was not pending. Needs the store's `approveClient`.
   */
  approveClient(clientId: string): Promise<boolean>;
  /**
   * Rejects a pending client: deletes it and emits `client.rejected`
   * (docs/admission.md#the-approval-queue). Resolves to `true` when this call
   * removed it, `false` when it was not pending. Needs the store's `rejectClient`.
   */
  rejectClient(clientId: string): Promise<boolean>;
  /**
   * Revokes a stateless client (docs/stateless-registration.md#revocation):
   * puts its id on the store's deny list until the id expires and emits
   * `client.deleted`. Resolves to `true` when this call revoked it, `false`
   * for an id that does not open or is already revoked. Rejects with a
   * `TypeError` for an id that is not stateless: delete a stored client
   * through its store or RFC 7592.
   */
  revokeClient(clientId: string): Promise<boolean>;
  /**
   * Registers a client with metadata an operator chose (docs/operations.md#operator-managed-clients):
   * validated and policed as a registration is, without the admission steps, and
   * never expiring for want of use. Resolves to the RFC 7591 §3.2.1 body, whose
   * `client_secret` and `registration_access_token` are shown this once. Rejects with
   * `RegistrationError` (`invalid_client_metadata`, `invalid_redirect_uri`, `invalid_request`).
   */
  createClient(metadata: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * Replaces a stored client's metadata whole (docs/operations.md#operator-managed-clients), as
   * an RFC 7592 update does but without its registration access token, which is kept.
   * Rejects with `ClientResolutionError` (`unknown_client`) or `RegistrationError`.
   */
  updateClient(clientId: string, metadata: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * Mints a new secret for a stored confidential client and emits
   * `client.secret_rotated`; the old secret stops working at once.
   * Rejects with `ClientResolutionError` (`unknown_client`), or `RegistrationError`
   * (`invalid_request`) for a client without a secret.
   */
  rotateClientSecret(clientId: string): Promise<RotatedSecret>;
  /**
   * Deletes a stored client and emits `client.deleted`; resolves to `false` when
   * there was none. For a stateless id, use `revokeClient`.
   */
  deleteClient(clientId: string): Promise<boolean>;
}

/**
 * The safe fetcher (`net/safe-fetch.ts`), loaded on the first outbound fetch, so that
 * `import 'registrar'` loads no network module (`node:dns`, `node:https`) until a sector
 * identifier, a metadata document or a JWK Set is actually fetched.
 */
function loadedOnFirstUse(options: OutboundFetchOptions): OutboundFetch {
  let fetcher: Promise<OutboundFetch> | undefined;
  return async (url, requestOptions) => {
    fetcher ??= import('./net/safe-fetch.js').then((module) => module.createSafeFetch(options));
    return (await fetcher)(url, requestOptions);
  };
}

/**
 * Creates a Registrar from its configuration; throws `ConfigurationError` at once if it cannot work.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2
 * @see docs/configuration.md
 */
export function createRegistrar<C>(config: RegistrarConfig<C>): Registrar<C> {
  return composeRegistrar(config, {});
}

/** What a composition around Registrar, such as `registrar serve`, may add to it. */
export interface RegistrarComposition {
  /** Wraps the outbound fetcher, to observe every outbound request (the metrics time them). */
  readonly wrapOutboundFetch?: (fetch: OutboundFetch) => OutboundFetch;
}

/**
 * `createRegistrar` with what a composition adds (`registrar serve`'s
 * metrics); the package's entry points export `createRegistrar` only.
 */
export function composeRegistrar<C>(
  config: RegistrarConfig<C>,
  composition: RegistrarComposition,
): Registrar<C> {
  const { wrapOutboundFetch } = composition;
  const createOutboundFetch = (options: OutboundFetchOptions) =>
    wrapOutboundFetch ? wrapOutboundFetch(loadedOnFirstUse(options)) : loadedOnFirstUse(options);
  const resolved = resolveConfig(config, { createOutboundFetch, createStatelessCodec });
  const { settings } = resolved;
  const checkInitialAccessToken = createInitialAccessTokenCheck(resolved.initialAccessToken, settings);
  const checkSoftwareStatement = createSoftwareStatementCheck(resolved.softwareStatement, settings);
  const verifyAssertion = createAssertionVerifier(settings);
  const rateLimits = createRateLimits(resolved.rateLimits, settings.logger);
  // One resolver, so the token endpoint and the authorization endpoint share its document cache.
  const resolver = createClientResolver(settings as Settings<unknown>);
  const resolveClient = resolver.resolve;
  return {
    ...createHandler({ settings, checkInitialAccessToken, checkSoftwareStatement, rateLimits }),
    metadata: () => registrationMetadata(settings as Settings<unknown>),
    discovery: () => discoveryDocument(settings as Settings<unknown>),
    resolveClient,
    importClientDocument: resolver.importDocument,
    refreshClientDocument: resolver.refreshDocument,
    async authenticateClient(request) {
      return authenticateClient(
        settings,
        await readTokenRequest(request, settings.maxBodyBytes),
        verifyAssertion,
        resolveClient,
      );
    },
    matchRedirectUri,
    counts: () => settings.tally.snapshot(),
    sweep: (options) => sweepExpiredClients(settings, options),
    reportClientUse: (clientId) => reportClientUse(settings, clientId),
    approveClient: (clientId) => decideApproval(settings, clientId, 'approved'),
    rejectClient: (clientId) => decideApproval(settings, clientId, 'rejected'),
    async revokeClient(clientId) {
      const general = settings as Settings<unknown>;
      if (typeof clientId !== 'string' || !isStatelessClient(general, clientId)) {
        throw new TypeError('revokeClient takes a stateless client_id (statelessRegistration must be on).');
      }
      return revokeStatelessClient(general, clientId);
    },
    createClient: (metadata) => createOperatorClient(settings, metadata),
    updateClient: (clientId, metadata) => updateOperatorClient(settings, clientId, metadata),
    rotateClientSecret: (clientId) => rotateOperatorClientSecret(settings, clientId),
    deleteClient: (clientId) => deleteOperatorClient(settings, clientId),
  };
}
