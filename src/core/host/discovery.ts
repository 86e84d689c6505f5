/**
 * Authorization server metadata (RFC 8414 §2, OpenID Connect Discovery §3).
 *
 * @module
 */

import type { Settings } from '../config/settings.js';

/**
 * The members Registrar owns, for a host to merge into its own discovery document.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function registrationMetadata(settings: Settings<unknown>): Record<string, unknown> {
  const members: Record<string, unknown> = {};
  if (settings.registrationEnabled) members.registration_endpoint = settings.registrationEndpoint;
  members.grant_types_supported = [...settings.rules.grantTypesSupported];
  members.response_types_supported = [...settings.rules.responseTypesSupported];
  members.token_endpoint_auth_methods_supported = [...settings.rules.tokenEndpointAuthMethodsSupported];
  members.token_endpoint_auth_signing_alg_values_supported = [...settings.rules.signingAlgValuesSupported];
  if (settings.rules.scopesSupported) members.scopes_supported = [...settings.rules.scopesSupported];
  members.subject_types_supported = [...settings.subjectTypesSupported];
  members.id_token_signing_alg_values_supported = [...settings.rules.signingAlgValuesSupported];
  const { encryptionAlgValuesSupported: algs = [], encryptionEncValuesSupported: encs = [] } = settings.rules;
  if (algs.length > 0) {
    // OpenID Connect Discovery §3: one pair of lists per object that can be encrypted.
    for (const object of ['id_token', 'userinfo', 'request_object']) {
      members[`${object}_encryption_alg_values_supported`] = [...algs];
      members[`${object}_encryption_enc_values_supported`] = [...encs];
    }
  }
  if (settings.clientIdMetadataDocuments.enabled) members.client_id_metadata_document_supported = true;
  return members;
}

/**
 * A complete discovery document: every member RFC 8414 and OpenID Connect
 * Discovery mark REQUIRED, plus Registrar's own and PKCE's S256.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function discoveryDocument(settings: Settings<unknown>): Record<string, unknown> {
  return {
    issuer: settings.issuer,
    authorization_endpoint: settings.authorizationEndpoint,
    token_endpoint: settings.tokenEndpoint,
    jwks_uri: settings.jwksUri,
    ...registrationMetadata(settings),
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * The well-known path for `suffix` under the issuer: inserted between the host
 * and the issuer's path (RFC 8414 §3.1).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function wellKnownPath(
  issuer: string,
  suffix: 'oauth-authorization-server' | 'openid-configuration',
): string {
  const path = new URL(issuer).pathname.replace(/\/+$/, '');
  return `/.well-known/${suffix}${path}`;
}
