/**
 * Registrar: OAuth 2.0 Dynamic Client Registration (RFC 7591), client
 * management (RFC 7592) and OpenID Connect registration rules for a host
 * authorization server.
 *
 * @module
 */

export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './admission/memory-rate-limiter.js';
export type {
  ClientIdMetadataDocumentsOptions,
  CorsOptions,
  RegistrarConfig,
  RotationPolicy,
  StatelessRegistrationOptions,
} from './core/config/registrar-config.js';
export type { ResolvedCaps, ResolvedStore, Settings } from './core/config/settings.js';
export { type CryptoProvider, webCrypto } from './core/credentials/credentials.js';
export { MAX_JSON_DEPTH } from './core/credentials/encoding.js';
export type { RotatedSecret } from './core/endpoints/operator-clients.js';
export type { RegistrarErrorCode } from './core/error-codes.js';
export {
  type AuthenticationChallenge,
  ConfigurationError,
  type ConfigurationErrorCode,
  RegistrationError,
  type RegistrationErrorCode,
  type RegistrationErrorOptions,
  StoreUnavailableError,
  type StoreUnavailableErrorCode,
} from './core/errors.js';
export type {
  EventTally,
  Logger,
  RegistrarCounts,
  RegistrarEvent,
  RegistrarEventType,
} from './core/events.js';
export type { ClientAuthentication, ClientAuthenticationMethod } from './core/host/authenticate-client.js';
export type { ClientUse } from './core/host/client-lifecycle.js';
export {
  ClientResolutionError,
  type ClientResolutionErrorCode,
} from './core/host/client-resolution-error.js';
export { discoveryDocument, registrationMetadata, wellKnownPath } from './core/host/discovery.js';
export { matchRedirectUri } from './core/host/match-redirect-uri.js';
export {
  type BearerChallengeOptions,
  bearerChallenge,
  type ProtectedResourceMetadata,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './core/host/protected-resource.js';
export type { ResolvedClient } from './core/host/resolve-client.js';
export type { SweepOptions, SweepResult } from './core/host/sweep-expired-clients.js';
export { metadataPolicy } from './core/metadata/apply-policies.js';
export type { ClientMetadata } from './core/metadata/client-metadata.js';
export type { PrivateUseSchemes } from './core/metadata/redirect-uri.js';
export type {
  ForcedMembers,
  MetadataPolicy,
  PolicyContext,
  PolicyDecision,
  RegistrationPolicy,
} from './core/metadata/registration-policy.js';
export {
  type ExtraMetadataValidator,
  type MetadataRules,
  validateClientMetadata,
} from './core/metadata/validate-metadata.js';
export type {
  InitialAccessTokenOption,
  InitialAccessTokenOptions,
  InitialAccessTokenVerdict,
  InitialAccessTokenVerifier,
  JsonWebKeySet,
  SoftwareStatementOptions,
  TrustedIssuer,
} from './core/ports/admission-options.js';
export {
  type HostResolver,
  type OutboundFetch,
  OutboundFetchError,
  type OutboundFetchFailure,
  type OutboundFetchOptions,
  type OutboundPurpose,
  type OutboundRequestOptions,
  type OutboundResponse,
  type ResolvedAddress,
} from './core/ports/outbound-fetch.js';
export {
  DEFAULT_MANAGEMENT_FAILURE_RATE_LIMIT,
  DEFAULT_REGISTRATION_RATE_LIMIT,
  parseRateLimitRule,
  type RateLimitConfig,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitSpec,
} from './core/ports/rate-limiter.js';
export type { StatelessCodec } from './core/ports/stateless-codec.js';
export {
  STATELESS_CLIENT_ID_PREFIX,
  type StatelessRegistrationKey,
} from './core/ports/stateless-codec.js';
export { MAX_CLIENT_ID_LENGTH, MAX_JTI_LENGTH } from './core/store/identifiers.js';
export {
  type CappedWriteResult,
  type ClientCaps,
  type ClientPage,
  type ClientPageOptions,
  type ClientRegistration,
  hasInitialAccessTokens,
  type InitialAccessTokenRecord,
  type InitialAccessTokenStore,
  type ReclaimedClient,
  type RegistrationStore,
  type StoreDeleteResult,
  type StoredClient,
  type StoreFailure,
  type StoreSuccess,
  type StoreWriteResult,
} from './core/store/registration-store.js';
export { challengeHeader, errorHeaders } from './http/error-response.js';
export type { TokenRequest } from './http/token-request.js';
export type { RegistrarHandler, RegistrarRequest, RegistrarResponse } from './http/types.js';
export { createRegistrar, type Registrar } from './registrar.js';
export type { BundledStore, BundledStoreWithTokens, ClientStatusCounts } from './store/bundled-store.js';
