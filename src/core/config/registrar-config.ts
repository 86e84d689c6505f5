/**
 * The configuration `createRegistrar` accepts: every option, with its default.
 * `resolveConfig` checks it and turns it into the `Settings`.
 *
 * @module
 */

import type { CryptoProvider } from '../credentials/credentials.js';
import type { Logger, RegistrarEvent } from '../events.js';
import type { PrivateUseSchemes } from '../metadata/redirect-uri.js';
import type { RegistrationPolicy } from '../metadata/registration-policy.js';
import type { ExtraMetadataValidator } from '../metadata/validate-metadata.js';
import type { InitialAccessTokenOption, SoftwareStatementOptions } from '../ports/admission-options.js';
import type { OutboundFetchOptions } from '../ports/outbound-fetch.js';
import type { RateLimitConfig } from '../ports/rate-limiter.js';
import type { StatelessRegistrationKey } from '../ports/stateless-codec.js';
import type { RegistrationStore } from '../store/registration-store.js';

/** When registration access tokens are replaced (RFC 7592 §3). */
export type RotationPolicy = 'on-update' | 'never' | 'always';

/** Cross-origin settings for browser-based clients. */
export interface CorsOptions {
  /**
   * Allowed origins: `'*'` (the default) allows any, an array lists them, each
   * compared exactly. Anything else is a `ConfigurationError`. Credentials are never allowed.
   */
  origins?: '*' | readonly string[];
  /** Seconds a preflight answer may be cached. Default 600. */
  maxAgeSeconds?: number;
}

/** Client ID Metadata Documents (docs/client-id-metadata-documents.md, draft-ietf-oauth-client-id-metadata-document). */
export interface ClientIdMetadataDocumentsOptions {
  /** Resolve `https` URL client ids by fetching their documents. Default `false`. */
  enabled?: boolean;
  /** The shortest time a fetched document is kept, in seconds. Default 60. */
  cacheMinSeconds?: number;
  /** The longest time a fetched document is kept, in seconds. Default 3600. */
  cacheMaxSeconds?: number;
  /** The size cap for a document, in bytes. Default 5120. */
  maxBytes?: number;
  /** The most documents one process keeps in its cache; the least recently used goes first. Default 1000. */
  cacheMaxEntries?: number;
  /**
   * Host patterns a document may be fetched from: `app.example` (that host)
   * or `*.example` (any host below `example`). Checked before any fetch; a
   * pre-registered document is allowed whatever its host. Default: any host.
   */
  allowHosts?: readonly string[];
  /** Host patterns, as in `allowHosts`, never fetched from, pre-registered or not. Default: none. */
  denyHosts?: readonly string[];
  /** Whether a document may use `private_key_jwt` (a confidential client). Default `true`. */
  allowConfidentialClients?: boolean;
  /** Members every document must carry, such as `client_name` or `logo_uri`. Default: none. */
  requiredMembers?: readonly string[];
  /**
   * How old, in seconds, the stored copy of a pre-registered document may be
   * and still stand in for a live fetch that fails. Default 86400.
   */
  storedCopyMaxAgeSeconds?: number;
}

/** Stateless registration (docs/stateless-registration.md, RFC 7591 Appendix A.5.2). */
export interface StatelessRegistrationOptions {
  /**
   * The sealing keys, newest first: new ids are sealed with the first, and
   * an id opens under any key whose `kid` its header names. At least one;
   * `kid`s distinct; each `secret` 32 random bytes, base64url.
   */
  keys: readonly StatelessRegistrationKey[];
  /**
   * How long a stateless id lives from its registration: whole seconds, or a
   * duration such as `'90d'`. Fixed, never renewed by use. Default `'90d'`.
   */
  lifetime?: number | string;
}

/** The configuration accepted by `createRegistrar` (docs/configuration.md). `C` is the host's client type. */
export interface RegistrarConfig<C = unknown> extends RegistrationStore<C> {
  /** The authorization server's issuer identifier, used verbatim. */
  issuer: string;
  /** Mount `POST {registrationPath}`. Default `false`. */
  registrationEnabled?: boolean;
  /** Mount `{registrationPath}/{client_id}`. Default: `true` when `loadClient` exists. */
  managementEnabled?: boolean;
  /**
   * Serve `discovery()` at the well-known paths of the issuer (RFC 8414 §3.1,
   * OpenID Connect Discovery §4.1), GET and HEAD. Default `false`: a host that
   * publishes its own document merges `metadata()` into it instead.
   */
  discoveryEnabled?: boolean;
  /** A store implementing the callbacks; flat keys of the same name win. */
  registration?: RegistrationStore<C>;
  /** Default `/oauth/register`. */
  registrationPath?: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
  grantTypesSupported?: readonly string[];
  responseTypesSupported?: readonly string[];
  tokenEndpointAuthMethodsSupported?: readonly string[];
  scopesSupported?: readonly string[];
  defaultScope?: string;
  subjectTypesSupported?: readonly string[];
  signingAlgValuesSupported?: readonly string[];
  /**
   * Key management algorithms accepted for `id_token_encrypted_response_alg`,
   * `userinfo_encrypted_response_alg` and `request_object_encryption_alg`.
   * Default: none, so those members are refused.
   */
  encryptionAlgValuesSupported?: readonly string[];
  /** Content encryption algorithms accepted for the matching `*_enc` members; needed with the above. */
  encryptionEncValuesSupported?: readonly string[];
  /** Client ID Metadata Documents (docs/client-id-metadata-documents.md). Default: off. */
  clientIdMetadataDocuments?: ClientIdMetadataDocumentsOptions;
  /** The safe fetcher's limits (docs/operations.md#outbound-fetches-the-ssrf-guard). Default `{ timeoutMs: 5000, maxBytes: 65536, allowLoopback: false }`. */
  fetch?: OutboundFetchOptions;
  /** Default: `true`, except for an `http` issuer on a loopback host. */
  requireHttps?: boolean;
  /** Peer addresses whose `X-Forwarded-Proto` and `X-Forwarded-For` headers count. */
  trustedProxies?: readonly string[];
  /**
   * Per-address limits (docs/admission.md): registrations (default 60/60s) and failed
   * management authentications (default 20/60s), in memory unless a limiter
   * is given. `false` disables both.
   */
  rateLimit?: RateLimitConfig | false;
  /** Default: any origin, no credentials. `false` disables CORS. */
  cors?: CorsOptions | false;
  /**
   * Which private-use redirect URI schemes native clients may register
   * (RFC 8252 §7.1): `'any'` (default) every scheme but the refused ones
   * (`javascript`, `data`, `vbscript`, `file`, `blob`, `about`, `filesystem`,
   * `view-source`), so `cursor://` and `windsurf://` register;
   * `'reverse-domain'` only schemes with a dot; or a list of allowed schemes.
   */
  privateUseSchemes?: PrivateUseSchemes;
  /**
   * Requested grant types the server does not support (RFC 7591 §2 lets the
   * server replace requested values): `'drop'` (default) removes them, and the
   * response types that belong to them, while a usable grant remains; `'reject'`
   * refuses the client with `invalid_client_metadata`. Metadata documents follow the same rule.
   */
  unsupportedGrantTypes?: 'drop' | 'reject';
  /** Extra members to accept, each with a validator; all other unknown members are dropped. */
  extraMetadata?: Record<string, ExtraMetadataValidator>;
  /** Seconds until a client secret expires; 0 (default) means never. */
  clientSecretTtl?: number;
  /**
   * Require an initial access token to register (RFC 7591 §3): a static
   * token, a verifier function, or `{ token?, verify?, stored? }`. Default:
   * none (open registration).
   */
  initialAccessToken?: InitialAccessTokenOption;
  /** Trusted software-statement issuers (RFC 7591 §2.3). Default: statements are ignored. */
  softwareStatement?: SoftwareStatementOptions;
  /** Host policies run after validation on every registration and update (docs/architecture.md#a-registration step 10). */
  policies?: readonly RegistrationPolicy[];
  /**
   * Seconds a client may go unused before it expires (docs/client-authentication.md#client-lifecycle); needs the
   * `touchClient` callback. Default: clients do not expire.
   */
  clientTtl?: number;
  /**
   * The least time between two writes of a client's use
   * (docs/client-authentication.md#client-lifecycle): a proven use within
   * this many seconds of the stored `last_used_at` writes nothing. Whole
   * seconds or a duration such as `'5m'`; `0` writes every use. Never more
   * than half of `clientTtl`, so a client in use cannot expire. A client's
   * first use under an activation window is always written at once.
   * Default: 60.
   */
  renewalInterval?: number | string;
  /**
   * How long a new client has to be proven used before it expires
   * (docs/client-authentication.md#the-activation-window): whole seconds, or a
   * duration such as `'1h'` or `'7d'`. Its first proven use moves it to the
   * ordinary lifetime (`clientTtl`). Needs the `activateClient` callback.
   * Default: off.
   */
  activationWindow?: number | string;
  /**
   * The most clients stored (docs/admission.md#caps); when reached, a never-used client
   * older than `reclaimMinAge` is removed to make room, else registration answers 429.
   * Needs the `registerClientWithinCaps` callback. Default: no cap.
   */
  maxClients?: number;
  /** The most clients one owner (initial access token, statement issuer or address) holds. Default: no cap. */
  maxClientsPerOwner?: number;
  /**
   * How old a never-used client must be before a cap may reclaim it: whole seconds or a
   * duration such as `'10m'`. Default: the shorter of `activationWindow` and 10 minutes.
   */
  reclaimMinAge?: number | string;
  /**
   * Register clients statelessly (docs/stateless-registration.md): the
   * `client_id` carries the registration, sealed with a server key, and
   * nothing is stored. Needs the `revokeStatelessClient` and
   * `isStatelessClientRevoked` callbacks (the deny list). Default: off.
   */
  statelessRegistration?: StatelessRegistrationOptions;
  /** Default `'on-update'`. */
  rotateRegistrationAccessToken?: RotationPolicy;
  /** Default 65536. */
  maxBodyBytes?: number;
  /** Receives lifecycle events; a throwing handler is logged and ignored. */
  onEvent?: (event: RegistrarEvent) => void | Promise<void>;
  /** Default: JSON lines on the console for warnings and errors. */
  logger?: Logger;
  /** Default: Web Crypto. `registrar/node` exports a faster provider on `node:crypto`. */
  crypto?: CryptoProvider;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}
