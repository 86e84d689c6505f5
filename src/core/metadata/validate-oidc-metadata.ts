/**
 * The OpenID Connect members of client metadata (OpenID Connect Dynamic
 * Client Registration 1.0 §2, Front-Channel Logout 1.0 §2.2, Back-Channel
 * Logout 1.0 §2.2, RP-Initiated Logout 1.0 §3.1; docs/behaviour.md). A step of
 * `validateClientMetadata`: it runs after grant types, response types,
 * redirect URIs and the application type are settled, and reads them.
 *
 * @module
 */

import { invalidClientMetadata, quoted } from '../errors.js';
import type { ClientMetadata } from './client-metadata.js';
import { absoluteUrl, string, stringArray } from './metadata-values.js';
import { checkRedirectUriForClient, type PrivateUseSchemes, parseRedirectUri } from './redirect-uri.js';

/** Metadata whose grant types, response types and application type are settled: what this step reads. */
export interface SettledMetadata extends ClientMetadata {
  grant_types: string[];
  response_types: string[];
  application_type: string;
}

/** The server settings this step reads. */
export interface OidcRules {
  readonly signingAlgValuesSupported: readonly string[];
  /** Default `['public']`. */
  readonly subjectTypesSupported?: readonly string[] | undefined;
  /** Default none: the encryption members are refused. */
  readonly encryptionAlgValuesSupported?: readonly string[] | undefined;
  readonly encryptionEncValuesSupported?: readonly string[] | undefined;
  /** Which private-use redirect schemes native clients may use. Default `'any'`. */
  readonly privateUseSchemes?: PrivateUseSchemes | undefined;
}

/** `id_token_signed_response_alg` when the client sends none (OpenID Connect Registration §2). */
export const DEFAULT_ID_TOKEN_SIGNED_RESPONSE_ALG = 'RS256';
/** A `*_enc` member's value when only its `*_alg` member is sent (OpenID Connect Registration §2). */
export const DEFAULT_ENCRYPTION_ENC = 'A128CBC-HS256';

/** The encryption member pairs: each `_enc` needs its `_alg` (OpenID Connect Registration §2). */
export const ENCRYPTION_MEMBER_PAIRS: readonly (readonly [alg: string, enc: string])[] = [
  ['id_token_encrypted_response_alg', 'id_token_encrypted_response_enc'],
  ['userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc'],
  ['request_object_encryption_alg', 'request_object_encryption_enc'],
];

/** Boolean members (Front-Channel and Back-Channel Logout §2.2). */
export const OIDC_BOOLEAN_MEMBERS: readonly string[] = [
  'backchannel_logout_session_required',
  'frontchannel_logout_session_required',
];

/** Logout endpoints the provider calls: `https`, or `http` on loopback, never a fragment. */
export const LOGOUT_URI_MEMBERS: readonly string[] = ['backchannel_logout_uri', 'frontchannel_logout_uri'];

/** `subjectTypesSupported` when the rules name none. */
export const DEFAULT_SUBJECT_TYPES: readonly string[] = ['public'];

/**
 * Whether any response type hands out an ID token from the authorization
 * endpoint, which rules out an unsigned one.
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 */
export function issuesIdTokenFromAuthorizationEndpoint(responseTypes: readonly string[]): boolean {
  return responseTypes.some((type) => type.split(' ').includes('id_token'));
}

function signingAlg(value: unknown, member: string, rules: OidcRules): string {
  const alg = string(value, member);
  if (!rules.signingAlgValuesSupported.includes(alg)) {
    throw invalidClientMetadata(`${member} ${quoted(alg, 'value')} is not supported by this server.`);
  }
  return alg;
}

function subjectType(input: Record<string, unknown>, out: SettledMetadata, rules: OidcRules): void {
  if (input.sector_identifier_uri !== undefined) {
    out.sector_identifier_uri = absoluteUrl(input.sector_identifier_uri, 'sector_identifier_uri');
  }
  if (input.subject_type === undefined) return;
  const type = string(input.subject_type, 'subject_type');
  if (type !== 'public' && type !== 'pairwise') {
    throw invalidClientMetadata("subject_type must be 'public' or 'pairwise'.");
  }
  if (!(rules.subjectTypesSupported ?? DEFAULT_SUBJECT_TYPES).includes(type)) {
    throw invalidClientMetadata(`subject_type ${quoted(type, 'value')} is not supported by this server.`);
  }
  // OpenID Connect Core §8.1: without a sector identifier the sector is the
  // redirect URIs' host, so redirect URIs on several hosts need one.
  if (type === 'pairwise' && out.sector_identifier_uri === undefined) {
    const hosts = new Set((out.redirect_uris ?? []).map((value) => new URL(value).hostname));
    if (hosts.size > 1) {
      throw invalidClientMetadata(
        "subject_type 'pairwise' with redirect URIs on several hosts needs a sector_identifier_uri.",
      );
    }
  }
  out.subject_type = type;
}

function signing(input: Record<string, unknown>, out: SettledMetadata, rules: OidcRules): void {
  if (input.id_token_signed_response_alg === undefined) {
    out.id_token_signed_response_alg = DEFAULT_ID_TOKEN_SIGNED_RESPONSE_ALG;
  } else if (input.id_token_signed_response_alg === 'none') {
    // OpenID Connect Registration §2: an unsigned ID token only when none comes from the authorization endpoint.
    if (issuesIdTokenFromAuthorizationEndpoint(out.response_types)) {
      throw invalidClientMetadata(
        "id_token_signed_response_alg 'none' is not allowed with a response type that returns an ID token.",
      );
    }
    out.id_token_signed_response_alg = 'none';
  } else {
    out.id_token_signed_response_alg = signingAlg(
      input.id_token_signed_response_alg,
      'id_token_signed_response_alg',
      rules,
    );
  }
  for (const member of ['userinfo_signed_response_alg', 'request_object_signing_alg']) {
    if (input[member] !== undefined) out[member] = signingAlg(input[member], member, rules);
  }
}

function encryption(input: Record<string, unknown>, out: ClientMetadata, rules: OidcRules): void {
  const algs = rules.encryptionAlgValuesSupported ?? [];
  const encs = rules.encryptionEncValuesSupported ?? [];
  for (const [algMember, encMember] of ENCRYPTION_MEMBER_PAIRS) {
    if (input[algMember] === undefined) {
      if (input[encMember] !== undefined) throw invalidClientMetadata(`${encMember} needs ${algMember}.`);
      continue;
    }
    const alg = string(input[algMember], algMember);
    if (algs.length === 0) {
      throw invalidClientMetadata(`${algMember} is not supported: this server offers no encryption.`);
    }
    if (!algs.includes(alg))
      throw invalidClientMetadata(`${algMember} ${quoted(alg, 'value')} is not supported by this server.`);
    const sent = input[encMember] !== undefined;
    const enc = sent ? string(input[encMember], encMember) : DEFAULT_ENCRYPTION_ENC;
    if (!encs.includes(enc)) {
      throw invalidClientMetadata(
        sent
          ? `${encMember} ${quoted(enc, 'value')} is not supported by this server.`
          : `${encMember} defaults to '${DEFAULT_ENCRYPTION_ENC}', which this server does not support; send ${encMember}.`,
      );
    }
    out[algMember] = alg;
    out[encMember] = enc;
  }
}

function authentication(input: Record<string, unknown>, out: ClientMetadata): void {
  if (input.default_max_age !== undefined) {
    const age = input.default_max_age;
    if (typeof age !== 'number' || !Number.isSafeInteger(age) || age < 0) {
      throw invalidClientMetadata('default_max_age must be a non-negative integer number of seconds.');
    }
    out.default_max_age = age;
  }
  if (input.require_auth_time !== undefined && typeof input.require_auth_time !== 'boolean') {
    throw invalidClientMetadata('require_auth_time must be a boolean.');
  }
  out.require_auth_time = input.require_auth_time ?? false;
  if (input.default_acr_values !== undefined) {
    out.default_acr_values = stringArray(input.default_acr_values, 'default_acr_values');
  }
}

function endpoints(input: Record<string, unknown>, out: SettledMetadata, rules: OidcRules): void {
  if (input.initiate_login_uri !== undefined) {
    out.initiate_login_uri = absoluteUrl(input.initiate_login_uri, 'initiate_login_uri');
  }
  if (input.request_uris !== undefined) {
    const values = stringArray(input.request_uris, 'request_uris');
    out.request_uris = values.map((value) => absoluteUrl(value, 'request_uris', { fragment: true }));
  }
  if (input.post_logout_redirect_uris !== undefined) {
    const values = stringArray(input.post_logout_redirect_uris, 'post_logout_redirect_uris');
    const usesImplicit = out.grant_types.includes('implicit');
    out.post_logout_redirect_uris = [
      ...new Set(
        values.map((value) => {
          // The redirect URI rules apply, but docs/behaviour.md answers invalid_client_metadata for this member.
          const member = 'post_logout_redirect_uris';
          const parsed = parseRedirectUri(value, member, invalidClientMetadata, rules.privateUseSchemes);
          checkRedirectUriForClient(
            parsed,
            out.application_type,
            usesImplicit,
            member,
            invalidClientMetadata,
          );
          return parsed.value;
        }),
      ),
    ];
  }
  for (const member of LOGOUT_URI_MEMBERS) {
    if (input[member] !== undefined) out[member] = absoluteUrl(input[member], member, { http: 'loopback' });
  }
  for (const member of OIDC_BOOLEAN_MEMBERS) {
    if (input[member] === undefined) continue;
    if (typeof input[member] !== 'boolean') throw invalidClientMetadata(`${member} must be a boolean.`);
    out[member] = input[member];
  }
}

/**
 * Validates the OpenID Connect members of `input` into `out`, filling the
 * defaults `id_token_signed_response_alg` (`RS256`), `require_auth_time`
 * (`false`) and each `*_enc` whose `*_alg` was sent (`A128CBC-HS256`).
 * `out` already holds `grant_types`, `response_types`,
 * `application_type` and the validated `redirect_uris`. Throws
 * `invalid_client_metadata` naming the member. The `sector_identifier_uri`
 * document is checked afterwards, asynchronously (`checkSectorIdentifier`).
 */
export function validateOidcMetadata(
  input: Record<string, unknown>,
  out: SettledMetadata,
  rules: OidcRules,
): void {
  subjectType(input, out, rules);
  signing(input, out, rules);
  encryption(input, out, rules);
  authentication(input, out);
  endpoints(input, out, rules);
}
