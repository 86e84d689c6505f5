/**
 * Registrar: OAuth 2.0 Dynamic Client Registration (RFC 7591), client
 * management (RFC 7592) and OpenID Connect registration rules for a host
 * authorization server.
 *
 * @module
 */

export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './admission/memory-rate-limiter.js';
export type {
  InitialAccessTokenOption,
  InitialAccessTokenOptions,
  InitialAccessTokenVerdict,
  InitialAccessTokenVerifier,
  JsonWebKeySet,
  SoftwareStatementOptions,
  TrustedIssuer,
} from './core/admission-options.js';
export {
  type MetadataPolicy,
  metadataPolicy,
  type PolicyContext,
  type PolicyDecision,
  type RegistrationPolicy,
} from './core/apply-policies.js';
export type { ClientAuthentication, ClientAuthenticationMethod } from './core/authenticate-client.js';
export type {
  ClientIdMetadataDocumentsOptions,
  CorsOptions,
  Logger,
  RegistrarConfig,
  RotationPolicy,
} from './core/config.js';
export { type CryptoProvider, webCrypto } from './core/credentials.js';
export { discoveryDocument, registrationMetadata, wellKnownPath } from './core/discovery.js';
export { MAX_JSON_DEPTH } from './core/encoding.js';
export {
  ConfigurationError,
  RegistrationError,
  type RegistrationErrorCode,
  StoreUnavailableError,
} from './core/errors.js';
export type { RegistrarEvent, RegistrarEventType } from './core/events.js';
export { MAX_CLIENT_ID_LENGTH, MAX_JTI_LENGTH } from './core/identifiers.js';
export { matchRedirectUri } from './core/match-redirect-uri.js';
export {
  type HostResolver,
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchFailure,
  type OutboundFetchOptions,
  type OutboundRequestOptions,
  type OutboundResponse,
  type ResolvedAddress,
} from './core/outbound-fetch.js';
export {
  DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  parseRateLimitRule,
  type RateLimitConfig,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitSpec,
} from './core/rate-limit.js';
export {
  ClientResolutionError,
  type ClientResolutionErrorCode,
  type ResolvedClient,
} from './core/resolve-client.js';
export {
  type ClientMetadata,
  type ClientRegistration,
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
  type InitialAccessTokenStore,
  type RegistrationStore,
  type StoreDeleteResult,
  type StoreFailure,
  type StoreSuccess,
  type StoreWriteResult,
} from './core/store-contract.js';
export type { SweepOptions, SweepResult } from './core/sweep-expired-clients.js';
export { type ExtraMetadataValidator, validateClientMetadata } from './core/validate-metadata.js';
export { createRegistrar, type Registrar } from './http/registrar.js';
export type { TokenRequest } from './http/token-request.js';
export type { RegistrarRequest, RegistrarResponse } from './http/types.js';
