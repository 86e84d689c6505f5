/**
 * The client metadata Registrar validates and stores.
 *
 * @module
 */

/**
 * Validated client metadata, keyed by the wire member names (RFC 7591 §2,
 * OpenID Connect Dynamic Client Registration 1.0 §2). Every member is
 * optional; after validation the defaults are filled in (docs/behaviour.md).
 * The index signature holds language-tagged variants (`client_name#ja-Jpan-JP`,
 * RFC 7591 §2.2) and a host's extra members, so read those as `unknown`.
 */
export interface ClientMetadata {
  /** Redirection URIs (RFC 7591 §2). */
  redirect_uris?: string[];
  /** How the client authenticates at the token endpoint (RFC 7591 §2). */
  token_endpoint_auth_method?: string;
  /** OAuth 2.0 grant types the client may use (RFC 7591 §2). */
  grant_types?: string[];
  /** OAuth 2.0 response types the client may use (RFC 7591 §2). */
  response_types?: string[];
  /** Human-readable name of the client (RFC 7591 §2). */
  client_name?: string;
  /** Web page about the client (RFC 7591 §2). */
  client_uri?: string;
  /** Logo of the client (RFC 7591 §2). */
  logo_uri?: string;
  /** Space-separated scope values the client may request (RFC 7591 §2). */
  scope?: string;
  /** Ways to contact the people responsible for the client (RFC 7591 §2). */
  contacts?: string[];
  /** Terms of service of the client (RFC 7591 §2). */
  tos_uri?: string;
  /** Privacy policy of the client (RFC 7591 §2). */
  policy_uri?: string;
  /** URL of the client's JWK Set (RFC 7591 §2). */
  jwks_uri?: string;
  /** The client's JWK Set by value (RFC 7591 §2). */
  jwks?: { keys: Record<string, unknown>[] };
  /** Identifier of the client software, the same across instances (RFC 7591 §2). */
  software_id?: string;
  /** Version of the client software (RFC 7591 §2). */
  software_version?: string;
  /** The software statement the client was registered with, as sent (RFC 7591 §2.3). */
  software_statement?: string;
  /** `web` or `native` (OpenID Connect Registration §2). */
  application_type?: string;
  /** URL of a JSON array of redirect URIs, for pairwise subjects (OpenID Connect Registration §2). */
  sector_identifier_uri?: string;
  /** `public` or `pairwise` (OpenID Connect Registration §2). */
  subject_type?: string;
  /** JWS algorithm for ID tokens issued to the client (OpenID Connect Registration §2). */
  id_token_signed_response_alg?: string;
  /** JWE key algorithm for ID tokens (OpenID Connect Registration §2). */
  id_token_encrypted_response_alg?: string;
  /** JWE content encryption for ID tokens (OpenID Connect Registration §2). */
  id_token_encrypted_response_enc?: string;
  /** JWS algorithm for UserInfo responses (OpenID Connect Registration §2). */
  userinfo_signed_response_alg?: string;
  /** JWE key algorithm for UserInfo responses (OpenID Connect Registration §2). */
  userinfo_encrypted_response_alg?: string;
  /** JWE content encryption for UserInfo responses (OpenID Connect Registration §2). */
  userinfo_encrypted_response_enc?: string;
  /** JWS algorithm for request objects the client sends (OpenID Connect Registration §2). */
  request_object_signing_alg?: string;
  /** JWE key algorithm for request objects (OpenID Connect Registration §2). */
  request_object_encryption_alg?: string;
  /** JWE content encryption for request objects (OpenID Connect Registration §2). */
  request_object_encryption_enc?: string;
  /** JWS algorithm for the client's token endpoint authentication JWTs (OpenID Connect Registration §2). */
  token_endpoint_auth_signing_alg?: string;
  /** Default maximum authentication age, in seconds (OpenID Connect Registration §2). */
  default_max_age?: number;
  /** Whether the `auth_time` claim is required in ID tokens (OpenID Connect Registration §2). */
  require_auth_time?: boolean;
  /** Default requested ACR values, in order of preference (OpenID Connect Registration §2). */
  default_acr_values?: string[];
  /** URI a third party uses to start a login at the client (OpenID Connect Registration §2). */
  initiate_login_uri?: string;
  /** Pre-registered `request_uri` values (OpenID Connect Registration §2). */
  request_uris?: string[];
  /** Where the provider may send the user after logout (OpenID Connect RP-Initiated Logout 1.0 §3.1). */
  post_logout_redirect_uris?: string[];
  /** URL the provider loads in a frame to log the user out (OpenID Connect Front-Channel Logout 1.0 §2.2). */
  frontchannel_logout_uri?: string;
  /** Whether the front-channel logout URL needs `iss` and `sid` (OpenID Connect Front-Channel Logout 1.0 §2.2). */
  frontchannel_logout_session_required?: boolean;
  /** URL the provider posts logout tokens to (OpenID Connect Back-Channel Logout 1.0 §2.2). */
  backchannel_logout_uri?: string;
  /** Whether logout tokens must carry `sid` (OpenID Connect Back-Channel Logout 1.0 §2.2). */
  backchannel_logout_session_required?: boolean;
  /** Language-tagged variants (`client_name#ja-Jpan-JP`, RFC 7591 §2.2) and a host's extra members. */
  [member: string]: unknown;
}
