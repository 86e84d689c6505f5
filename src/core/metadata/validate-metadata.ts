/**
 * Client metadata validation (RFC 7591 §2, docs/behaviour.md). Checks run in a fixed
 * order: shape of the document, then each member, then the rules that tie
 * members together. The result holds only known members, defaults filled in.
 *
 * @module
 */

import { invalidClientMetadata, invalidRedirectUri, quoted, RegistrationError } from '../errors.js';
import type { ClientMetadata } from './client-metadata.js';
import { isWellFormedLanguageTag, splitLanguageTag } from './language-tags.js';
import { settleMetadataChoices } from './metadata-choices.js';
import { absoluteUrl, string, stringArray } from './metadata-values.js';
import { checkRedirectUriForClient, type ParsedRedirectUri, parseRedirectUri } from './redirect-uri.js';
import { validateJwks } from './validate-jwks.js';
import { type OidcRules, type SettledMetadata, validateOidcMetadata } from './validate-oidc-metadata.js';

/** Members the server owns; ignored in a registration request, never honoured (RFC 7591 §3.1). */
export const SERVER_OWNED_MEMBERS: ReadonlySet<string> = new Set([
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
]);

/** Members that may come language-tagged (RFC 7591 §2.2). */
export const LANGUAGE_TAGGED_MEMBERS: ReadonlySet<string> = new Set([
  'client_name',
  'client_uri',
  'logo_uri',
  'tos_uri',
  'policy_uri',
]);

/** Human-readable URL members: absolute `https` or `http` URLs (RFC 7591 §2). */
export const HUMAN_URL_MEMBERS: ReadonlySet<string> = new Set([
  'client_uri',
  'logo_uri',
  'tos_uri',
  'policy_uri',
]);

/** Keys that must never reach an object prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Most redirect URIs one client may register. */
export const MAX_REDIRECT_URIS = 100;
/** Most language-tagged variants accepted per member; keeps a request cheap to check and to store. */
export const MAX_LANGUAGE_VARIANTS = 100;
/** Longest `scope` value, in characters. */
export const MAX_SCOPE_LENGTH = 8192;
/** Token endpoint authentication methods that use a shared secret, so a secret is issued. */
export const SECRET_ISSUING_AUTH_METHODS: ReadonlySet<string> = new Set([
  'client_secret_basic',
  'client_secret_post',
]);

/** Whether a client with this metadata is issued a client secret: its authentication method uses one. */
export function issuesSecret(metadata: Readonly<ClientMetadata>): boolean {
  const method = metadata.token_endpoint_auth_method;
  return method !== undefined && SECRET_ISSUING_AUTH_METHODS.has(method);
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/** A validator for an extra member a host accepts: returns the value to store, or throws. */
export type ExtraMetadataValidator = (value: unknown, metadata: Readonly<ClientMetadata>) => unknown;

/** The server's settings that metadata is validated against (docs/configuration.md). */
export interface MetadataRules extends OidcRules {
  readonly grantTypesSupported: readonly string[];
  readonly responseTypesSupported: readonly string[];
  readonly tokenEndpointAuthMethodsSupported: readonly string[];
  readonly signingAlgValuesSupported: readonly string[];
  readonly scopesSupported?: readonly string[] | undefined;
  readonly defaultScope?: string | undefined;
  readonly extraMetadata?: Readonly<Record<string, ExtraMetadataValidator>> | undefined;
  /**
   * What to do with requested grant types the server does not support:
   * `'drop'` (the default) removes them while a usable grant remains (RFC 7591
   * §2 lets the server replace requested values); `'reject'` refuses the client.
   */
  readonly unsupportedGrantTypes?: 'drop' | 'reject' | undefined;
}

/** An intermediate state shared by the validation steps. */
interface Draft {
  /** The request's members, `null` dropped, server-owned dropped, tagged variants removed. */
  readonly input: Record<string, unknown>;
  /** Language-tagged variants by member name, keyed exactly as sent. */
  readonly tagged: Map<string, Map<string, unknown>>;
  /** The validated metadata being built. */
  readonly out: SettledMetadata;
}

/** The request's members before any is validated: a `Draft` without its `out`. */
type Prepared = Omit<Draft, 'out'>;

/**
 * Validates a client metadata document and returns the metadata to store:
 * every known member, defaults included, tagged variants kept exactly as sent.
 * Throws a `RegistrationError` (`invalid_redirect_uri` or
 * `invalid_client_metadata`) naming the offending member.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata
 */
export function validateClientMetadata(
  document: Record<string, unknown>,
  rules: MetadataRules,
): ClientMetadata {
  const { input, tagged } = prepare(document);
  const types = grantAndResponseTypes(input, rules);
  // `out` is an ordinary object, so V8 keeps it in its fast form: its keys are the known members,
  // tagged variants (they contain "#") and the host's extra members, and FORBIDDEN_KEYS never reach it.
  const draft: Draft = { input, tagged, out: { ...types, ...redirectUris(input, types.grant_types, rules) } };
  // RP Metadata Choices 1.0 §2: each offered list becomes its single value before that member is checked.
  settleMetadataChoices(input, types.response_types, rules);
  tokenEndpointAuth(draft, rules);
  keys(draft);
  scope(draft, rules);
  humanReadable(draft);
  plainLists(draft);
  validateOidcMetadata(draft.input, draft.out, rules);
  extraMembers(draft, rules);
  return draft.out;
}

function prepare(document: Record<string, unknown>): Prepared {
  const input: Record<string, unknown> = Object.create(null);
  const tagged = new Map<string, Map<string, unknown>>();
  // Lower-cased tags seen per member, to refuse case-only duplicates in one pass.
  const seenTags = new Map<string, Map<string, string>>();
  for (const [key, value] of Object.entries(document)) {
    if (value === null || FORBIDDEN_KEYS.has(key) || SERVER_OWNED_MEMBERS.has(key)) continue;
    const { member, tag } = splitLanguageTag(key);
    if (tag === undefined) {
      input[key] = value;
      continue;
    }
    if (!LANGUAGE_TAGGED_MEMBERS.has(member)) continue;
    if (!isWellFormedLanguageTag(tag)) {
      throw invalidClientMetadata(
        `${quoted(key, member)} carries a language tag that is not a well-formed BCP 47 tag.`,
      );
    }
    let variants = tagged.get(member);
    let tags = seenTags.get(member);
    if (!variants || !tags) {
      variants = new Map();
      tags = new Map();
      tagged.set(member, variants);
      seenTags.set(member, tags);
    }
    const existing = tags.get(tag.toLowerCase());
    if (existing !== undefined) {
      throw invalidClientMetadata(`${existing} and ${key} name the same language; send each language once.`);
    }
    if (variants.size >= MAX_LANGUAGE_VARIANTS) {
      throw invalidClientMetadata(
        `${member} has more than ${MAX_LANGUAGE_VARIANTS} language-tagged variants.`,
      );
    }
    tags.set(tag.toLowerCase(), key);
    variants.set(key, value);
  }
  return { input, tagged };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Multi-valued response types compare order-insensitively (RFC 7591 §2, OAuth 2.0 Multiple Response Types). */
function responseTypeKey(value: string): string {
  return value.split(' ').filter(Boolean).sort().join(' ');
}

function grantAndResponseTypes(
  input: Record<string, unknown>,
  rules: MetadataRules,
): { grant_types: string[]; response_types: string[] } {
  const requested =
    input.grant_types === undefined
      ? ['authorization_code']
      : unique(stringArray(input.grant_types, 'grant_types'));
  const unsupported = requested.filter((grant) => !rules.grantTypesSupported.includes(grant));
  const grantTypes = requested.filter((grant) => rules.grantTypesSupported.includes(grant));
  // A refresh token is only ever issued beside another grant: alone it is nothing to use.
  const usable = grantTypes.some((grant) => grant !== 'refresh_token');
  if (unsupported.length > 0 && (rules.unsupportedGrantTypes === 'reject' || !usable)) {
    throw invalidClientMetadata(
      `grant_types contains ${quoted(unsupported[0] as string, 'a value')}, which this server does not support.`,
    );
  }
  const usesCode = grantTypes.includes('authorization_code');
  const usesImplicit = grantTypes.includes('implicit');
  let responseTypes =
    input.response_types === undefined
      ? usesCode
        ? ['code']
        : []
      : unique(stringArray(input.response_types, 'response_types'));
  // Every requested response type must be one the server supports, the dropped grants' too: only a
  // value the server could have accepted is replaced, never one it refuses (RFC 7591 §2).
  const supported = new Set(rules.responseTypesSupported.map(responseTypeKey));
  for (const type of responseTypes) {
    if (!supported.has(responseTypeKey(type))) {
      throw invalidClientMetadata(
        `response_types contains ${quoted(type, 'a value')}, which this server does not support.`,
      );
    }
  }
  if (unsupported.length > 0) {
    // The response types of a dropped grant go with it, so the two lists still agree (RFC 7591 §2.1).
    responseTypes = responseTypes.filter((type) => {
      const tokens = type.split(' ');
      if (tokens.includes('code') && !usesCode) return false;
      return !((tokens.includes('token') || tokens.includes('id_token')) && !usesImplicit);
    });
  }
  // RFC 7591 §2.1: grant types and response types must agree, both ways.
  const responseTokens = responseTypes.map((type) => type.split(' '));
  const needsCode = responseTokens.some((tokens) => tokens.includes('code'));
  const needsImplicit = responseTokens.some(
    (tokens) => tokens.includes('token') || tokens.includes('id_token'),
  );
  if (needsCode && !usesCode) {
    throw invalidClientMetadata("response_types includes 'code' but grant_types lacks 'authorization_code'.");
  }
  if (needsImplicit && !usesImplicit) {
    throw invalidClientMetadata(
      "response_types includes 'token' or 'id_token' but grant_types lacks 'implicit'.",
    );
  }
  if (usesCode && !needsCode) {
    throw invalidClientMetadata("grant_types includes 'authorization_code' but response_types lacks 'code'.");
  }
  if (usesImplicit && !needsImplicit) {
    throw invalidClientMetadata(
      "grant_types includes 'implicit' but response_types lacks 'token' or 'id_token'.",
    );
  }
  return { grant_types: grantTypes, response_types: responseTypes };
}

function redirectUris(
  input: Record<string, unknown>,
  grantTypes: readonly string[],
  rules: MetadataRules,
): { application_type: string; redirect_uris?: string[] } {
  const usesRedirects = grantTypes.includes('authorization_code') || grantTypes.includes('implicit');
  let parsed: ParsedRedirectUri[] = [];
  if (input.redirect_uris !== undefined) {
    const values = stringArray(input.redirect_uris, 'redirect_uris', invalidRedirectUri);
    if (values.length > MAX_REDIRECT_URIS) {
      throw invalidRedirectUri(`redirect_uris holds more than ${MAX_REDIRECT_URIS} entries.`);
    }
    parsed = values.map((value) =>
      parseRedirectUri(value, 'redirect_uris', invalidRedirectUri, rules.privateUseSchemes),
    );
  }
  if (usesRedirects && parsed.length === 0) {
    throw invalidRedirectUri(
      'redirect_uris is required and must not be empty for the authorization_code and implicit grants.',
    );
  }
  let applicationType: string;
  if (input.application_type === undefined) {
    // docs/behaviour.md: a client whose redirect URIs are all loopback or private-use is native, and
    // so is one with any private-use URI, which only a native app can receive (RFC 8252 §7.1).
    const allNative = parsed.length > 0 && parsed.every((uri) => uri.kind !== 'https');
    const anyPrivateUse = parsed.some((uri) => uri.kind === 'private-use');
    applicationType = allNative || anyPrivateUse ? 'native' : 'web';
  } else if (input.application_type === 'web' || input.application_type === 'native') {
    applicationType = input.application_type;
  } else {
    throw invalidClientMetadata("application_type must be 'web' or 'native'.");
  }
  const usesImplicit = grantTypes.includes('implicit');
  for (const uri of parsed) checkRedirectUriForClient(uri, applicationType, usesImplicit);
  if (input.redirect_uris === undefined) return { application_type: applicationType };
  return { application_type: applicationType, redirect_uris: unique(parsed.map((uri) => uri.value)) };
}

function tokenEndpointAuth(draft: Draft, rules: MetadataRules): void {
  const { input, out } = draft;
  const method =
    input.token_endpoint_auth_method === undefined
      ? 'client_secret_basic'
      : string(input.token_endpoint_auth_method, 'token_endpoint_auth_method');
  if (!rules.tokenEndpointAuthMethodsSupported.includes(method)) {
    throw invalidClientMetadata(
      `token_endpoint_auth_method ${quoted(method, 'value')} is not supported by this server.`,
    );
  }
  if (method === 'private_key_jwt' && input.jwks === undefined && input.jwks_uri === undefined) {
    throw invalidClientMetadata("token_endpoint_auth_method 'private_key_jwt' needs jwks or jwks_uri.");
  }
  // RFC 6749 §4.4: the client credentials grant is for confidential clients only.
  if (method === 'none' && out.grant_types.includes('client_credentials')) {
    throw invalidClientMetadata(
      "token_endpoint_auth_method 'none' cannot be used with the client_credentials grant.",
    );
  }
  out.token_endpoint_auth_method = method;
  if (input.token_endpoint_auth_signing_alg !== undefined) {
    const alg = string(input.token_endpoint_auth_signing_alg, 'token_endpoint_auth_signing_alg');
    if (alg === 'none') {
      throw invalidClientMetadata("token_endpoint_auth_signing_alg must not be 'none'.");
    }
    if (!rules.signingAlgValuesSupported.includes(alg)) {
      throw invalidClientMetadata(
        `token_endpoint_auth_signing_alg ${quoted(alg, 'value')} is not supported by this server.`,
      );
    }
    out.token_endpoint_auth_signing_alg = alg;
  }
}

function keys(draft: Draft): void {
  const { input, out } = draft;
  if (input.jwks !== undefined && input.jwks_uri !== undefined) {
    throw invalidClientMetadata('jwks and jwks_uri must not both be present (RFC 7591 section 2).');
  }
  if (input.jwks !== undefined) out.jwks = validateJwks(input.jwks);
  if (input.jwks_uri !== undefined)
    out.jwks_uri = absoluteUrl(input.jwks_uri, 'jwks_uri', { fragment: true });
}

function scope(draft: Draft, rules: MetadataRules): void {
  const { input, out } = draft;
  // An empty scope asks for none, like an absent one (MCP Inspector sends `"scope": ""`).
  if (input.scope === undefined || input.scope === '') {
    if (rules.defaultScope !== undefined) out.scope = rules.defaultScope;
    return;
  }
  out.scope = checkScope(string(input.scope, 'scope'), rules.scopesSupported);
}

/**
 * Checks a scope value: RFC 6749 §3.3 tokens separated by single spaces, at
 * most 8 KiB, each token in `scopesSupported` when that is set. Returns it.
 */
export function checkScope(value: string, scopesSupported: readonly string[] | undefined): string {
  if (value.length > MAX_SCOPE_LENGTH) {
    throw invalidClientMetadata(`scope is longer than ${MAX_SCOPE_LENGTH} characters.`);
  }
  if (!SCOPE.test(value)) {
    throw invalidClientMetadata(
      'scope must be scope tokens separated by single spaces (RFC 6749 section 3.3).',
    );
  }
  if (scopesSupported) {
    for (const token of value.split(' ')) {
      if (!scopesSupported.includes(token)) {
        throw invalidClientMetadata(
          `scope contains ${quoted(token, 'a token')}, which this server does not offer.`,
        );
      }
    }
  }
  return value;
}

function humanReadable(draft: Draft): void {
  const { input, tagged, out } = draft;
  for (const member of LANGUAGE_TAGGED_MEMBERS) {
    const check = (value: unknown, key: string): unknown =>
      HUMAN_URL_MEMBERS.has(member)
        ? absoluteUrl(value, key, { http: 'any', fragment: true })
        : string(value, key);
    if (input[member] !== undefined) out[member] = check(input[member], member);
    for (const [key, value] of tagged.get(member) ?? []) out[key] = check(value, key);
  }
}

function plainLists(draft: Draft): void {
  const { input, out } = draft;
  if (input.contacts !== undefined) out.contacts = stringArray(input.contacts, 'contacts');
  for (const member of ['software_id', 'software_version']) {
    if (input[member] !== undefined) out[member] = string(input[member], member);
  }
}

function extraMembers(draft: Draft, rules: MetadataRules): void {
  const { input, out } = draft;
  for (const [member, validate] of Object.entries(rules.extraMetadata ?? {})) {
    if (input[member] === undefined || Object.hasOwn(out, member)) continue;
    try {
      out[member] = validate(input[member], out);
    } catch (error) {
      // A host validator's own message may hold anything; only a RegistrationError speaks publicly.
      if (error instanceof RegistrationError) throw error;
      throw invalidClientMetadata(`${member} is not valid.`, error);
    }
  }
}

/**
 * Removes every language-tagged variant of `member` (`client_name#en`, …)
 * from `document`: used when a policy or a software statement sets the member,
 * so a variant the request sent cannot stand beside the value that overrides it.
 */
export function dropTaggedVariants(document: Record<string, unknown>, member: string): void {
  if (!LANGUAGE_TAGGED_MEMBERS.has(member)) return;
  for (const key of Object.keys(document)) {
    if (splitLanguageTag(key).member === member && key !== member) delete document[key];
  }
}
