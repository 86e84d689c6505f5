// An oracle for docs/behaviour.md, written apart from src/core/validate-metadata.ts: it judges documents
// built only from the labelled values below, so each verdict rests on a label written by hand
// (this URI is loopback, that tag is malformed) and on the rule table, never on the code under test.

/** The error codes of docs/behaviour.md. */
export type MetadataErrorCode = 'invalid_redirect_uri' | 'invalid_client_metadata';

/** How a redirect URI is judged (docs/behaviour.md, "each redirect URI"). */
export type RedirectKind =
  | 'https' // https on a host that is not loopback
  | 'https-loopback' // https on localhost or 127.0.0.0/8: fine, except for a web client using implicit
  | 'loopback' // http on a loopback host
  | 'private-use' // any scheme not refused, with a path: native clients only
  | 'bad'; // refused whatever the client

/** Every redirect URI the generators use, labelled by hand. */
export const REDIRECT_URIS: ReadonlyMap<string, RedirectKind> = new Map<string, RedirectKind>([
  ['https://client.example.org/cb', 'https'],
  ['https://app.example.com/oauth/callback?tenant=7', 'https'],
  ['https://example.net:8443/a/b/', 'https'],
  ['HTTPS://upper.example.org/cb', 'https'],
  ['https://xn--bcher-kva.example/cb', 'https'],
  ['https://localhost/cb', 'https-loopback'],
  ['https://127.0.0.1:8443/cb', 'https-loopback'],
  ['http://127.0.0.1:8080/cb', 'loopback'],
  ['http://localhost/callback', 'loopback'],
  ['http://[::1]:3000/cb', 'loopback'],
  ['http://127.5.6.7/x', 'loopback'],
  ['HTTP://LOCALHOST:9/cb', 'loopback'],
  ['com.example.app:/oauth2redirect', 'private-use'],
  ['org.example.native:/cb', 'private-use'],
  ['com.example.app://callback/path', 'private-use'],
  ['myapp:/cb', 'private-use'],
  ['cursor://anysphere.cursor-retrieval/oauth/callback', 'private-use'],
  ['https://client.example.org/cb#fragment', 'bad'],
  ['https://user:password@client.example.org/cb', 'bad'],
  ['https://user@client.example.org/cb', 'bad'],
  ['https://*.example.org/cb', 'bad'],
  ['https://client.example.org/c b', 'bad'],
  [' https://client.example.org/cb', 'bad'],
  ['https://client.example.org/cb\u0000', 'bad'],
  ['https://client.example.org/cb\u2028', 'bad'],
  ['javascript:alert(1)//', 'bad'],
  ['JavaScript://example.com/%0aalert(1)', 'bad'],
  ['data:text/html,<script>alert(1)</script>', 'bad'],
  ['file:///etc/passwd', 'bad'],
  ['vbscript:msgbox', 'bad'],
  ['about:blank', 'bad'],
  ['blob:https://client.example.org/uuid', 'bad'],
  ['http://client.example.org/cb', 'bad'],
  ['http://127.0.0.1.nip.example/cb', 'bad'],
  ['http://localhost.evil.example/cb', 'bad'],
  ['/relative/cb', 'bad'],
  ['client.example.org/cb', 'bad'],
  ['view-source:https://client.example.org/cb', 'bad'],
  ['filesystem:https://client.example.org/temporary/cb', 'bad'],
  ['com.example.app:', 'bad'],
  ['', 'bad'],
  [`https://client.example.org/${'a'.repeat(2100)}`, 'bad'],
]);

/** Scope values: valid per RFC 6749 §3.3 and the 8 KiB bound, or not. */
export const SCOPES: ReadonlyMap<string, boolean> = new Map([
  ['openid', true],
  ['read write', true],
  ['openid profile email offline_access', true],
  ['a:b/c!#$%&()*+,-./:;<=>?@[]^_`{|}~', true],
  [`${'s'.repeat(4000)} ${'t'.repeat(4000)}`, true],
  [' read', false],
  ['read ', false],
  ['read  write', false],
  ['read\twrite', false],
  ['a"b', false],
  ['a\\b', false],
  ['café', false],
  ['s'.repeat(8193), false],
]);

/** Human-readable URL values (client_uri, logo_uri, tos_uri, policy_uri). */
export const HUMAN_URLS: ReadonlyMap<string, boolean> = new Map([
  ['https://client.example.org/', true],
  ['http://client.example.org/tos', true],
  ['HTTPS://Client.Example.org/logo.png', true],
  ['https://client.example.org/privacy?lang=en', true],
  ['ftp://client.example.org/', false],
  ['javascript:alert(1)', false],
  ['client.example.org', false],
  ['https://user@client.example.org/', false],
  ['https://client.example.org/a page', false],
  ['', false],
]);

/** Language tags for `member#tag` keys (RFC 5646 well-formedness). */
export const LANGUAGE_TAGS: ReadonlyMap<string, boolean> = new Map([
  ['en', true],
  ['de', true],
  ['fr', true],
  ['fr-CA', true],
  ['zz-Latn', true],
  ['ZZ-latn', true],
  ['ja-Jpan-JP', true],
  ['zh-Hant-TW', true],
  ['de-CH-1901', true],
  ['x-private', true],
  ['i-klingon', true],
  ['sgn-BE-FR', true],
  ['es-419', true],
  ['', false],
  ['e', false],
  ['en_US', false],
  ['123', false],
  ['english!', false],
  ['toolonglanguagetag', false],
  ['en--US', false],
]);

/** Public JWK Sets, and JWK Sets that must be refused. */
export const JWKS: readonly { readonly value: unknown; readonly valid: boolean }[] = [
  {
    value: { keys: [{ kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri', e: 'AQAB' }] },
    valid: true,
  },
  {
    value: {
      keys: [
        { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN' },
        { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      ],
    },
    valid: true,
  },
  { value: { keys: [] }, valid: false },
  { value: { keys: [{ kty: 'RSA', n: 'abc', e: 'AQAB', d: 'private' }] }, valid: false },
  { value: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, valid: false },
  { value: { keys: [{ kty: 'EC', crv: 'P-256', x: 'abc' }] }, valid: false },
  { value: { keys: 'none' }, valid: false },
  { value: 'https://client.example.org/jwks.json', valid: false },
  { value: [], valid: false },
];

/** `jwks_uri` values: `https` only. */
export const JWKS_URIS: ReadonlyMap<unknown, boolean> = new Map<unknown, boolean>([
  ['https://client.example.org/jwks.json', true],
  ['http://client.example.org/jwks.json', false],
  ['not a url', false],
  [42, false],
]);

/** `initiate_login_uri` and `request_uris` entries: `https` only (OpenID Connect Registration §2). */
export const HTTPS_ONLY_URLS: ReadonlyMap<string, boolean> = new Map([
  ['https://client.example.org/login', true],
  ['https://client.example.org/request.jwt?id=7', true],
  ['http://client.example.org/login', false],
  ['http://127.0.0.1:9000/login', false],
  ['javascript:alert(1)', false],
  ['not a url', false],
]);

/** Logout URIs: `https`, or `http` on a loopback host, never a fragment. */
export const LOGOUT_URLS: ReadonlyMap<string, boolean> = new Map([
  ['https://client.example.org/logout', true],
  ['http://127.0.0.1:9000/logout', true],
  ['http://localhost/logout', true],
  ['http://client.example.org/logout', false],
  ['https://client.example.org/logout#now', false],
  ['ftp://client.example.org/logout', false],
  ['logout', false],
]);

/** The encryption members; this server offers no encryption, so each is refused (docs/configuration.md). */
export const ENCRYPTION_MEMBERS = [
  'id_token_encrypted_response_alg',
  'id_token_encrypted_response_enc',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'request_object_encryption_alg',
  'request_object_encryption_enc',
] as const;

/**
 * The lists of OpenID Connect RP Metadata Choices 1.0 §2 and the single-valued member each becomes:
 * the first of the server's own values for that member that the list offers (docs/openid-connect.md).
 */
export const CHOICE_LISTS: readonly (readonly [list: string, member: string])[] = [
  ['token_endpoint_auth_methods_supported', 'token_endpoint_auth_method'],
  ['token_endpoint_auth_signing_alg_values_supported', 'token_endpoint_auth_signing_alg'],
  ['subject_types_supported', 'subject_type'],
  ['id_token_signing_alg_values_supported', 'id_token_signed_response_alg'],
  ['userinfo_signing_alg_values_supported', 'userinfo_signed_response_alg'],
  ['request_object_signing_alg_values_supported', 'request_object_signing_alg'],
  ['id_token_encryption_alg_values_supported', 'id_token_encrypted_response_alg'],
  ['id_token_encryption_enc_values_supported', 'id_token_encrypted_response_enc'],
  ['userinfo_encryption_alg_values_supported', 'userinfo_encrypted_response_alg'],
  ['userinfo_encryption_enc_values_supported', 'userinfo_encrypted_response_enc'],
  ['request_object_encryption_alg_values_supported', 'request_object_encryption_alg'],
  ['request_object_encryption_enc_values_supported', 'request_object_encryption_enc'],
];

/** The members language tags apply to (RFC 7591 §2.2). */
export const TAGGABLE = ['client_name', 'client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
/** Members the server owns; a registration request's are ignored (RFC 7591 §3.1). */
export const SERVER_OWNED = [
  'client_id',
  'client_secret',
  'client_id_issued_at',
  'client_secret_expires_at',
  'registration_access_token',
  'registration_client_uri',
] as const;

/** The server settings the oracle judges against. */
export interface OracleSettings {
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly authMethods: readonly string[];
  readonly signingAlgs: readonly string[];
}

/** What the oracle concludes about one document. */
export interface Verdict {
  /** Every error code some broken rule calls for; empty when the document is valid. */
  readonly codes: ReadonlySet<MetadataErrorCode>;
  /** For a valid document: the effective values the server must echo. */
  readonly applicationType: string;
  readonly authMethod: string;
  readonly grantTypes: readonly string[];
  readonly responseTypes: readonly string[];
  readonly idTokenSignedResponseAlg: unknown;
  readonly requireAuthTime: unknown;
  /** For each single-valued member a choice list settled: the value chosen. */
  readonly chosen: ReadonlyMap<string, string>;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((entry) => typeof entry === 'string');

const tokensOf = (responseType: string) => new Set(responseType.split(' '));
const sameTokens = (a: string, b: string) => {
  const left = tokensOf(a);
  const right = tokensOf(b);
  return left.size === right.size && [...left].every((token) => right.has(token));
};

function lookup<K, V>(table: ReadonlyMap<K, V>, key: K, member: string): V {
  const found = table.get(key);
  if (found === undefined) throw new Error(`the oracle has no label for ${member} ${JSON.stringify(key)}`);
  return found;
}

/** Judges a registration (or update) document against docs/behaviour.md. */
export function judge(document: Record<string, unknown>, settings: OracleSettings): Verdict {
  const codes = new Set<MetadataErrorCode>();
  const metadataError = () => codes.add('invalid_client_metadata');
  const redirectError = () => codes.add('invalid_redirect_uri');
  // `null` counts as absent; server-owned members are ignored; tagged keys are gathered per member.
  const members = new Map<string, unknown>();
  const variants = new Map<string, string[]>();
  for (const [key, value] of Object.entries(document)) {
    if (value === null || (SERVER_OWNED as readonly string[]).includes(key)) continue;
    const hash = key.indexOf('#');
    if (hash === -1) {
      members.set(key, value);
      continue;
    }
    const member = key.slice(0, hash);
    if (!(TAGGABLE as readonly string[]).includes(member)) continue;
    const tag = key.slice(hash + 1);
    if (!lookup(LANGUAGE_TAGS, tag, 'language tag')) metadataError();
    const tags = variants.get(member) ?? [];
    if (tags.some((other) => other.toLowerCase() === tag.toLowerCase())) metadataError();
    tags.push(tag);
    variants.set(member, tags);
    checkHuman(member, value, metadataError);
  }
  const get = (member: string) => members.get(member);

  // grant_types and response_types, and their consistency (RFC 7591 §2.1).
  // Unsupported grant types are dropped while a grant other than refresh_token remains.
  let grantTypes: string[] = ['authorization_code'];
  let dropped = false;
  if (get('grant_types') !== undefined) {
    const value = get('grant_types');
    if (!isStringArray(value)) metadataError();
    else {
      const kept = [...new Set(value)].filter((grant) => settings.grantTypes.includes(grant));
      dropped = kept.length < new Set(value).size;
      if (dropped && !kept.some((grant) => grant !== 'refresh_token')) metadataError();
      grantTypes = kept;
    }
  }
  const usesCode = grantTypes.includes('authorization_code');
  const usesImplicit = grantTypes.includes('implicit');
  let responseTypes: string[] = usesCode ? ['code'] : [];
  if (get('response_types') !== undefined) {
    const value = get('response_types');
    if (
      !isStringArray(value) ||
      value.some((type) => !settings.responseTypes.some((supported) => sameTokens(type, supported)))
    ) {
      metadataError();
    } else {
      responseTypes = [...new Set(value)].filter(
        (type) =>
          !dropped ||
          !(
            (tokensOf(type).has('code') && !usesCode) ||
            ((tokensOf(type).has('token') || tokensOf(type).has('id_token')) && !usesImplicit)
          ),
      );
    }
  }
  const wantsCode = responseTypes.some((type) => tokensOf(type).has('code'));
  const wantsImplicit = responseTypes.some(
    (type) => tokensOf(type).has('token') || tokensOf(type).has('id_token'),
  );
  if (wantsCode !== usesCode || wantsImplicit !== usesImplicit) metadataError();

  // RP Metadata Choices: each list becomes a single value, which the member's own rule then judges.
  // The server's values per member: its methods, its signing algorithms (and "none", last, for an ID
  // token no authorization response carries), only "public" as subject type, no encryption at all.
  const idTokenFromAuthorization = responseTypes.some((type) => tokensOf(type).has('id_token'));
  const serverValues = (member: string): readonly string[] => {
    if (member === 'token_endpoint_auth_method') return settings.authMethods;
    if (member === 'subject_type') return ['public'];
    if (member.includes('encrypt')) return [];
    if (member === 'id_token_signed_response_alg' && !idTokenFromAuthorization) {
      return [...settings.signingAlgs, 'none'];
    }
    return settings.signingAlgs;
  };
  const chosen = new Map<string, string>();
  for (const [list, member] of CHOICE_LISTS) {
    const offered = get(list);
    if (offered === undefined) continue;
    const single = get(member);
    if (!isStringArray(offered) || (single !== undefined && typeof single !== 'string')) {
      metadataError();
      continue;
    }
    // The single value must be in its list, except the method, which counts as one more offer.
    const pool = typeof single === 'string' ? [...offered, single] : offered;
    if (typeof single === 'string' && member !== 'token_endpoint_auth_method' && !offered.includes(single)) {
      metadataError();
    }
    const pick = serverValues(member).find((value) => pool.includes(value));
    if (pick === undefined) metadataError();
    else {
      members.set(member, pick);
      chosen.set(member, pick);
    }
  }

  // redirect_uris, application_type and the rules that tie them (RFC 8252 §7, OIDC Registration §2).
  let kinds: RedirectKind[] = [];
  const redirects = get('redirect_uris');
  if (redirects !== undefined) {
    if (!isStringArray(redirects) || redirects.length > 100) redirectError();
    else kinds = redirects.map((uri) => lookup(REDIRECT_URIS, uri, 'redirect URI'));
  }
  if (kinds.includes('bad')) redirectError();
  if (
    (usesCode || usesImplicit) &&
    (redirects === undefined || (Array.isArray(redirects) && redirects.length === 0))
  ) {
    redirectError();
  }
  let applicationType = 'web';
  const declared = get('application_type');
  if (declared === undefined) {
    const allNative =
      kinds.length > 0 && kinds.every((kind) => kind === 'loopback' || kind === 'private-use');
    applicationType = allNative || kinds.includes('private-use') ? 'native' : 'web';
  } else if (declared === 'web' || declared === 'native') {
    applicationType = declared;
  } else {
    metadataError();
  }
  if (applicationType !== 'native' && kinds.includes('private-use')) redirectError();
  if (applicationType === 'web' && usesImplicit && kinds.some((kind) => kind !== 'https')) redirectError();

  // token_endpoint_auth_method and keys.
  const method = get('token_endpoint_auth_method') ?? 'client_secret_basic';
  if (typeof method !== 'string' || !settings.authMethods.includes(method)) metadataError();
  if (method === 'private_key_jwt' && get('jwks') === undefined && get('jwks_uri') === undefined)
    metadataError();
  if (method === 'none' && grantTypes.includes('client_credentials')) metadataError();
  const signingAlg = get('token_endpoint_auth_signing_alg');
  if (
    signingAlg !== undefined &&
    (typeof signingAlg !== 'string' || signingAlg === 'none' || !settings.signingAlgs.includes(signingAlg))
  ) {
    metadataError();
  }
  if (get('jwks') !== undefined && get('jwks_uri') !== undefined) metadataError();
  if (get('jwks') !== undefined) {
    const entry = JWKS.find((candidate) => candidate.value === get('jwks'));
    if (!entry) throw new Error('the oracle has no label for this jwks');
    if (!entry.valid) metadataError();
  }
  if (get('jwks_uri') !== undefined && !lookup(JWKS_URIS, get('jwks_uri'), 'jwks_uri')) metadataError();

  // scope, human-readable members, plain strings and lists.
  const scope = get('scope');
  // An empty scope is taken as none.
  if (scope !== undefined && scope !== '' && (typeof scope !== 'string' || !lookup(SCOPES, scope, 'scope'))) {
    metadataError();
  }
  for (const member of TAGGABLE) {
    if (get(member) !== undefined) checkHuman(member, get(member), metadataError);
  }
  if (get('contacts') !== undefined && !isStringArray(get('contacts'))) metadataError();
  for (const member of ['software_id', 'software_version']) {
    if (get(member) !== undefined && typeof get(member) !== 'string') metadataError();
  }

  // The OpenID Connect rows (OpenID Connect Registration §2); sector_identifier_uri is not generated.
  const subjectType = get('subject_type');
  if (subjectType !== undefined && subjectType !== 'public') metadataError();
  const idTokenAlg = get('id_token_signed_response_alg') ?? 'RS256';
  if (idTokenAlg === 'none') {
    if (idTokenFromAuthorization) metadataError();
  } else if (typeof idTokenAlg !== 'string' || !settings.signingAlgs.includes(idTokenAlg)) {
    metadataError();
  }
  for (const member of ['userinfo_signed_response_alg', 'request_object_signing_alg']) {
    const alg = get(member);
    if (alg !== undefined && (typeof alg !== 'string' || !settings.signingAlgs.includes(alg)))
      metadataError();
  }
  if (ENCRYPTION_MEMBERS.some((member) => get(member) !== undefined)) metadataError();
  const maxAge = get('default_max_age');
  if (maxAge !== undefined && !(typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge >= 0)) {
    metadataError();
  }
  const requireAuthTime = get('require_auth_time') ?? false;
  if (typeof requireAuthTime !== 'boolean') metadataError();
  if (get('default_acr_values') !== undefined && !isStringArray(get('default_acr_values'))) metadataError();
  const loginUri = get('initiate_login_uri');
  if (loginUri !== undefined && (typeof loginUri !== 'string' || !lookup(HTTPS_ONLY_URLS, loginUri, 'URL'))) {
    metadataError();
  }
  const requestUris = get('request_uris');
  if (
    requestUris !== undefined &&
    (!isStringArray(requestUris) || requestUris.some((uri) => !lookup(HTTPS_ONLY_URLS, uri, 'URL')))
  ) {
    metadataError();
  }
  const logoutRedirects = get('post_logout_redirect_uris');
  if (logoutRedirects !== undefined) {
    if (!isStringArray(logoutRedirects)) metadataError();
    else {
      // The redirect URI rules, answered with invalid_client_metadata (docs/behaviour.md).
      const logoutKinds = logoutRedirects.map((uri) => lookup(REDIRECT_URIS, uri, 'redirect URI'));
      if (
        logoutKinds.includes('bad') ||
        (applicationType !== 'native' && logoutKinds.includes('private-use')) ||
        (applicationType === 'web' && usesImplicit && logoutKinds.some((kind) => kind !== 'https'))
      ) {
        metadataError();
      }
    }
  }
  for (const member of ['backchannel_logout_uri', 'frontchannel_logout_uri']) {
    const value = get(member);
    if (value !== undefined && (typeof value !== 'string' || !lookup(LOGOUT_URLS, value, member)))
      metadataError();
  }
  for (const member of ['backchannel_logout_session_required', 'frontchannel_logout_session_required']) {
    if (get(member) !== undefined && typeof get(member) !== 'boolean') metadataError();
  }
  return {
    codes,
    applicationType,
    authMethod: typeof method === 'string' ? method : '',
    grantTypes,
    responseTypes,
    idTokenSignedResponseAlg: idTokenAlg,
    requireAuthTime,
    chosen,
  };
}

function checkHuman(member: string, value: unknown, fail: () => void): void {
  if (member === 'client_name') {
    if (typeof value !== 'string') fail();
    return;
  }
  if (typeof value !== 'string' || !lookup(HUMAN_URLS, value, member)) fail();
}

/**
 * The deepest nesting of arrays and objects a client may send, the outermost value at level 1
 * (the documented `MAX_JSON_DEPTH`, restated here rather than imported from the code under test).
 */
export const MAX_NESTING = 32;

/** What a registration or update body nested `depth` levels deep calls for, before its members count. */
export function judgeNesting(depth: number): 'invalid_request' | null {
  return depth > MAX_NESTING ? 'invalid_request' : null;
}

/** The credential parameters of a token request (RFC 6749 §2.3.1, RFC 7521 §4.2). */
const CREDENTIAL_PARAMETERS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'];

/** What authenticating a token request form calls for, for a client registered with `client_secret_post`. */
export type FormVerdict = 'authenticated' | 'invalid_request' | 'invalid_client';

/**
 * Judges a token request form (no Authorization header) as the README states: a value that is
 * neither a string nor an array of strings is `invalid_client`; a credential parameter sent more
 * than once, or both a secret and an assertion, is `invalid_request` (RFC 6749 §3.2, §2.3); the
 * client authenticates only with its own id and secret, each sent once.
 */
export function judgeForm(
  form: Readonly<Record<string, unknown>>,
  client: { readonly id: string; readonly secret: string },
): FormVerdict {
  const values = new Map<string, string[]>();
  for (const [name, value] of Object.entries(form)) {
    if (value === undefined) continue;
    if (typeof value === 'string') values.set(name, [value]);
    else if (isStringArray(value)) values.set(name, value);
    else return 'invalid_client';
  }
  const count = (name: string) => values.get(name)?.length ?? 0;
  if (CREDENTIAL_PARAMETERS.some((name) => count(name) > 1)) return 'invalid_request';
  const usesSecret = count('client_secret') === 1;
  if (usesSecret && (count('client_assertion') === 1 || count('client_assertion_type') === 1)) {
    return 'invalid_request';
  }
  const id = values.get('client_id')?.[0];
  const secret = values.get('client_secret')?.[0];
  return usesSecret && id === client.id && secret === client.secret ? 'authenticated' : 'invalid_client';
}
