// fast-check generators of client metadata documents: valid ones, ones with exactly one known
// violation of docs/behaviour.md, and free mixtures, all drawn from the labelled values of the oracle.
import fc from 'fast-check';
import {
  CHOICE_LISTS,
  ENCRYPTION_MEMBERS,
  HTTPS_ONLY_URLS,
  HUMAN_URLS,
  JWKS,
  JWKS_URIS,
  judge,
  LANGUAGE_TAGS,
  LOGOUT_URLS,
  MAX_NESTING,
  type MetadataErrorCode,
  type OracleSettings,
  REDIRECT_URIS,
  type RedirectKind,
  SCOPES,
  SERVER_OWNED,
  TAGGABLE,
} from './metadata-oracle.js';

/** The server settings the suites run with: implicit and several response types on, so every rule applies. */
export const FUZZ_SETTINGS: OracleSettings = {
  grantTypes: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
  responseTypes: ['code', 'token', 'id_token', 'code id_token', 'id_token token'],
  authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
  signingAlgs: ['RS256', 'PS256', 'ES256', 'EdDSA'],
};

type Document = Record<string, unknown>;

const urisOf = (...kinds: RedirectKind[]) =>
  [...REDIRECT_URIS].filter(([, kind]) => kinds.includes(kind)).map(([uri]) => uri);
const labelled = <K>(table: ReadonlyMap<K, boolean>, valid: boolean) =>
  [...table].filter(([, ok]) => ok === valid).map(([value]) => value);

const GOOD_TAGS = labelled(LANGUAGE_TAGS, true);
const BAD_TAGS = labelled(LANGUAGE_TAGS, false);
const GOOD_URLS = labelled(HUMAN_URLS, true);
const BAD_URLS = labelled(HUMAN_URLS, false);
const GOOD_JWKS = JWKS.filter((entry) => entry.valid).map((entry) => entry.value);
const BAD_JWKS = JWKS.filter((entry) => !entry.valid).map((entry) => entry.value);
const BAD_REDIRECTS = urisOf('bad');

/** Grant types and the response types that agree with them (RFC 7591 §2.1). */
const GRANTS_AND_RESPONSES: readonly [string[] | undefined, (string[] | undefined)[]][] = [
  [undefined, [undefined, ['code']]],
  [['authorization_code'], [undefined, ['code']]],
  [
    ['authorization_code', 'refresh_token'],
    [undefined, ['code']],
  ],
  [['implicit'], [['token'], ['id_token'], ['id_token token']]],
  [
    ['authorization_code', 'implicit'],
    [['code id_token'], ['code', 'token'], ['id_token code']],
  ],
  [['client_credentials'], [undefined, []]],
  [
    ['client_credentials', 'refresh_token'],
    [undefined, []],
  ],
  [['refresh_token'], [undefined, []]],
  [[], [undefined, []]],
];

const optional = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 3,
      arbitrary,
    },
  );

/** Redirect URIs a client of this type may register. */
function redirectsFor(applicationType: string | undefined, implicit: boolean): fc.Arbitrary<string[]> {
  if (applicationType === 'native') {
    return fc.array(fc.constantFrom(...urisOf('https', 'https-loopback', 'loopback', 'private-use')), {
      minLength: 1,
      maxLength: 3,
    });
  }
  const web = implicit ? urisOf('https') : urisOf('https', 'https-loopback', 'loopback');
  if (applicationType === 'web') return fc.array(fc.constantFrom(...web), { minLength: 1, maxLength: 3 });
  // No application_type: either every URI is loopback or private-use (native is inferred), or one is https.
  return fc.oneof(
    fc.array(fc.constantFrom(...urisOf('loopback', 'private-use')), { minLength: 1, maxLength: 3 }),
    fc
      .tuple(fc.constantFrom(...urisOf('https')), fc.array(fc.constantFrom(...web), { maxLength: 2 }))
      .map(([first, rest]) => [first, ...rest]),
  );
}

/** Distinct (case-insensitively) well-formed tags. */
const tagSet = fc.uniqueArray(fc.constantFrom(...GOOD_TAGS), {
  maxLength: 2,
  selector: (tag) => tag.toLowerCase(),
});

/** Members no rule reads: dropped by the server, never echoed. */
const unknownMembers = fc.dictionary(
  fc.string({ maxLength: 8 }).map((key) => `x_${key}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

/** Documents the oracle finds valid. */
export const validDocument: fc.Arbitrary<Document> = fc
  .record({
    grants: fc.constantFrom(...GRANTS_AND_RESPONSES),
    applicationType: fc.constantFrom(undefined, 'web', 'native'),
    responsePick: fc.nat(),
    redirectSeed: fc.nat(),
    method: fc.constantFrom(
      undefined,
      'client_secret_basic',
      'client_secret_post',
      'none',
      'private_key_jwt',
    ),
    keys: fc.oneof(
      fc.constantFrom(...GOOD_JWKS).map((jwks) => ({ jwks })),
      fc.constant({ jwks_uri: 'https://client.example.org/jwks.json' }),
    ),
    scope: optional(fc.constantFrom(...labelled(SCOPES, true))),
    clientName: optional(fc.string({ maxLength: 40 })),
    nameTags: tagSet,
    urls: fc.record({
      client_uri: optional(fc.constantFrom(...GOOD_URLS)),
      logo_uri: optional(fc.constantFrom(...GOOD_URLS)),
      tos_uri: optional(fc.constantFrom(...GOOD_URLS)),
      policy_uri: optional(fc.constantFrom(...GOOD_URLS)),
    }),
    uriTags: tagSet,
    contacts: optional(fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })),
    softwareId: optional(fc.string({ maxLength: 20 })),
    softwareVersion: optional(fc.string({ maxLength: 10 })),
    signingAlg: optional(fc.constantFrom(...FUZZ_SETTINGS.signingAlgs)),
    unknown: unknownMembers,
    oidc: fc.record({
      subject_type: optional(fc.constant('public')),
      id_token_signed_response_alg: optional(fc.constantFrom(...FUZZ_SETTINGS.signingAlgs, 'none')),
      userinfo_signed_response_alg: optional(fc.constantFrom(...FUZZ_SETTINGS.signingAlgs)),
      request_object_signing_alg: optional(fc.constantFrom(...FUZZ_SETTINGS.signingAlgs)),
      default_max_age: optional(fc.nat({ max: 86_400 })),
      require_auth_time: optional(fc.boolean()),
      default_acr_values: optional(fc.array(fc.string({ maxLength: 12 }), { maxLength: 2 })),
      initiate_login_uri: optional(fc.constantFrom(...labelled(HTTPS_ONLY_URLS, true))),
      request_uris: optional(fc.subarray(labelled(HTTPS_ONLY_URLS, true))),
      backchannel_logout_uri: optional(fc.constantFrom(...labelled(LOGOUT_URLS, true))),
      frontchannel_logout_uri: optional(fc.constantFrom(...labelled(LOGOUT_URLS, true))),
      backchannel_logout_session_required: optional(fc.boolean()),
      frontchannel_logout_session_required: optional(fc.boolean()),
    }),
    logoutPick: fc.nat(),
    // RP Metadata Choices lists, each with at least one value the server has.
    choices: fc.record({
      token_endpoint_auth_methods_supported: optional(
        fc.shuffledSubarray([...FUZZ_SETTINGS.authMethods, 'tls_client_auth'], { minLength: 2 }),
      ),
      token_endpoint_auth_signing_alg_values_supported: optional(
        fc.shuffledSubarray([...FUZZ_SETTINGS.signingAlgs, 'HS256'], { minLength: 2 }),
      ),
      subject_types_supported: optional(fc.constantFrom(['public'], ['pairwise', 'public'])),
      id_token_signing_alg_values_supported: optional(
        fc.shuffledSubarray([...FUZZ_SETTINGS.signingAlgs, 'HS256'], { minLength: 2 }),
      ),
      userinfo_signing_alg_values_supported: optional(
        fc.shuffledSubarray([...FUZZ_SETTINGS.signingAlgs, 'HS256'], { minLength: 2 }),
      ),
    }),
  })
  .chain((parts) => {
    const [grants] = parts.grants;
    const implicit = grants?.includes('implicit') ?? false;
    return redirectsFor(parts.applicationType, implicit).map((redirects) => ({ ...parts, redirects }));
  })
  .map((parts) => {
    const [grants, responseChoices] = parts.grants;
    const usesRedirects =
      grants === undefined || grants.includes('authorization_code') || grants.includes('implicit');
    const document: Document = { ...parts.unknown };
    const set = (member: string, value: unknown) => {
      if (value !== undefined) document[member] = value;
    };
    set('grant_types', grants);
    set('response_types', responseChoices[parts.responsePick % responseChoices.length]);
    set('application_type', parts.applicationType);
    if (usesRedirects || parts.redirectSeed % 3 === 0) set('redirect_uris', parts.redirects);
    const method =
      parts.method === 'none' && grants?.includes('client_credentials') ? 'client_secret_post' : parts.method;
    set('token_endpoint_auth_method', method);
    if (method === 'private_key_jwt' || parts.redirectSeed % 5 === 0) Object.assign(document, parts.keys);
    set('scope', parts.scope);
    set('client_name', parts.clientName);
    for (const tag of parts.nameTags) document[`client_name#${tag}`] = `name (${tag})`;
    for (const [member, value] of Object.entries(parts.urls)) set(member, value);
    for (const tag of parts.uriTags) document[`client_uri#${tag}`] = GOOD_URLS[0];
    set('contacts', parts.contacts);
    set('software_id', parts.softwareId);
    set('software_version', parts.softwareVersion);
    set('token_endpoint_auth_signing_alg', parts.signingAlg);
    for (const [member, value] of Object.entries(parts.oidc)) set(member, value);
    // Post-logout redirect URIs obey the redirect URI rules, so they come from the same valid list.
    if (parts.logoutPick % 3 === 0)
      set('post_logout_redirect_uris', parts.redirects.slice(parts.logoutPick % 2));
    for (const [list, member] of CHOICE_LISTS) {
      const offered: readonly string[] | null | undefined = parts.choices[list as keyof typeof parts.choices];
      if (offered === undefined) continue;
      // A single value sent beside its list belongs in the list.
      const single = document[member];
      const missing = offered !== null && typeof single === 'string' && !offered.includes(single);
      document[list] = missing ? [...offered, single] : offered;
    }
    return document;
  })
  .filter((document) => judge(document, FUZZ_SETTINGS).codes.size === 0);

/** One way to break one rule: returns the broken document and the code it calls for, or null when it does not apply. */
type Mutation = (document: Document, pick: number) => { document: Document; code: MetadataErrorCode } | null;

const choose = <T>(values: readonly T[], pick: number): T => values[pick % values.length] as T;
const grantsOf = (document: Document) =>
  (document.grant_types as string[] | undefined | null) ?? ['authorization_code'];
const redirectMetadata = (code: MetadataErrorCode, document: Document) => ({ document, code });
/** `document` without the choice list of `member`, which would otherwise settle `member` anew. */
const withoutList = (document: Document, member: string): Document => {
  const next = { ...document };
  for (const [list, single] of CHOICE_LISTS) if (single === member) delete next[list];
  return next;
};

/** Every single-rule violation the suites apply, named for their failure messages. */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  'redirect_uris is not an array': (d) =>
    redirectMetadata('invalid_redirect_uri', { ...d, redirect_uris: 'https://client.example.org/cb' }),
  'a refused redirect URI': (d, pick) =>
    redirectMetadata('invalid_redirect_uri', {
      ...d,
      redirect_uris: [...((d.redirect_uris as string[] | undefined) ?? []), choose(BAD_REDIRECTS, pick)],
    }),
  'a redirect URI that is not a string': (d, pick) =>
    redirectMetadata('invalid_redirect_uri', {
      ...d,
      redirect_uris: [...((d.redirect_uris as string[] | undefined) ?? []), choose([42, null, {}, []], pick)],
    }),
  'more than 100 redirect URIs': (d) => {
    const first = (d.redirect_uris as string[] | undefined)?.[0] ?? 'https://client.example.org/cb';
    return redirectMetadata('invalid_redirect_uri', { ...d, redirect_uris: Array(101).fill(first) });
  },
  'no redirect URI for a redirect grant': (d, pick) => {
    const grants = grantsOf(d);
    if (!grants.includes('authorization_code') && !grants.includes('implicit')) return null;
    const next = { ...d };
    if (pick % 2 === 0) delete next.redirect_uris;
    else next.redirect_uris = [];
    return redirectMetadata('invalid_redirect_uri', next);
  },
  'a private-use redirect URI for a web client': (d) => {
    if (judge(d, FUZZ_SETTINGS).applicationType !== 'web') return null;
    const redirects = (d.redirect_uris as string[] | undefined) ?? [];
    // Declared web: left out, a private-use URI makes the client inferred native.
    return redirectMetadata('invalid_redirect_uri', {
      ...d,
      application_type: 'web',
      redirect_uris: [...redirects, 'com.example.app:/oauth2redirect'],
    });
  },
  'an unknown application_type': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      application_type: choose(['desktop', 'Web', 42], pick),
    }),
  'an unsupported grant type': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      // Nothing usable left: unsupported grants, with at most a refresh_token beside them.
      grant_types: [
        ...(pick % 2 === 0 ? ['refresh_token'] : []),
        choose(['password', 'urn:ietf:params:oauth:grant-type:device_code'], pick),
      ],
    }),
  'grant_types is not an array': (d) =>
    redirectMetadata('invalid_client_metadata', { ...d, grant_types: 'authorization_code' }),
  'an unsupported response type': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      response_types: [
        ...judge(d, FUZZ_SETTINGS).responseTypes,
        choose(['code token', 'none', 'device'], pick),
      ],
    }),
  'response types that disagree with the grant types': (d) => {
    const grants = grantsOf(d);
    const redirects = grants.includes('authorization_code') || grants.includes('implicit');
    return redirectMetadata('invalid_client_metadata', { ...d, response_types: redirects ? [] : ['code'] });
  },
  'an unsupported token_endpoint_auth_method': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, 'token_endpoint_auth_method'),
      token_endpoint_auth_method: choose(['client_secret_jwt', 'tls_client_auth', '', 42], pick),
    }),
  'private_key_jwt without keys': (d) => {
    const next: Document = {
      ...withoutList(d, 'token_endpoint_auth_method'),
      token_endpoint_auth_method: 'private_key_jwt',
    };
    delete next.jwks;
    delete next.jwks_uri;
    return redirectMetadata('invalid_client_metadata', next);
  },
  'a public client with the client_credentials grant': (d) => {
    const grants = grantsOf(d);
    return redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, 'token_endpoint_auth_method'),
      grant_types: grants.includes('client_credentials') ? grants : [...grants, 'client_credentials'],
      token_endpoint_auth_method: 'none',
    });
  },
  'a refused token_endpoint_auth_signing_alg': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, 'token_endpoint_auth_signing_alg'),
      token_endpoint_auth_signing_alg: choose(['none', 'HS256', 'rs256', 42], pick),
    }),
  'both jwks and jwks_uri': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      jwks: choose(GOOD_JWKS, pick),
      jwks_uri: 'https://client.example.org/jwks.json',
    }),
  'a refused jwks': (d, pick) => {
    const next: Document = { ...d, jwks: choose(BAD_JWKS, pick) };
    delete next.jwks_uri;
    return redirectMetadata('invalid_client_metadata', next);
  },
  'a refused jwks_uri': (d, pick) => {
    const next: Document = { ...d, jwks_uri: choose(labelled(JWKS_URIS, false), pick) };
    delete next.jwks;
    return redirectMetadata('invalid_client_metadata', next);
  },
  'a refused scope': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      scope: choose([...labelled(SCOPES, false), 42, ['read']], pick),
    }),
  'a client_name that is not a string': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      client_name: choose([42, true, ['Acme'], {}], pick),
    }),
  'a refused human-readable URL': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(TAGGABLE.slice(1), pick)]: choose([...BAD_URLS, 42], pick >> 2),
    }),
  'a malformed language tag': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [`${choose(TAGGABLE, pick)}#${choose(BAD_TAGS, pick >> 3)}`]: 'https://client.example.org/',
    }),
  'two variants whose tags differ only in case': (d) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      'client_name#zz-Latn': 'one',
      'client_name#ZZ-latn': 'two',
    }),
  'a language-tagged variant with a refused value': (d, pick) =>
    redirectMetadata('invalid_client_metadata', { ...d, 'logo_uri#fr': choose([...BAD_URLS, 7], pick) }),
  'contacts that are not strings': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      contacts: choose(['ops@example.org', [1], [null], { a: 'b' }], pick),
    }),
  'an unsupported subject_type': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, 'subject_type'),
      subject_type: choose(['pairwise', 'other', 42], pick),
    }),
  'an unsigned ID token from the authorization endpoint': (d) => {
    if (!judge(d, FUZZ_SETTINGS).responseTypes.some((type) => type.split(' ').includes('id_token')))
      return null;
    return redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, 'id_token_signed_response_alg'),
      id_token_signed_response_alg: 'none',
    });
  },
  'a refused OpenID Connect signing alg': (d, pick) => {
    const member = choose(
      ['id_token_signed_response_alg', 'userinfo_signed_response_alg', 'request_object_signing_alg'],
      pick,
    );
    return redirectMetadata('invalid_client_metadata', {
      ...withoutList(d, member),
      [member]: choose(['HS256', 'rs256', 42], pick >> 2),
    });
  },
  'an encryption member on a server without encryption': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(ENCRYPTION_MEMBERS, pick)]: choose(['RSA-OAEP', 'A128CBC-HS256'], pick >> 3),
    }),
  'a choice list with nothing the server supports': (d, pick) => {
    const [list, member] = choose(CHOICE_LISTS, pick);
    const next: Document = {
      ...d,
      [list]: [choose(['HS256', 'tls_client_auth', 'pairwise', 'A128KW'], pick >> 4)],
    };
    delete next[member];
    return redirectMetadata('invalid_client_metadata', next);
  },
  'a choice list that is not an array of strings': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(CHOICE_LISTS, pick)[0]]: choose(['RS256', ['RS256', 7], {}], pick >> 4),
    }),
  'a single value its choice list does not hold': (d, pick) => {
    const [list, member] = choose(
      CHOICE_LISTS.filter(([, single]) => single.endsWith('_alg') && !single.includes('encrypt')),
      pick,
    );
    const [held, other] = pick % 2 === 0 ? ['ES256', 'RS256'] : ['RS256', 'ES256'];
    return redirectMetadata('invalid_client_metadata', { ...d, [list]: [held], [member]: other });
  },
  'a refused default_max_age': (d, pick) =>
    redirectMetadata('invalid_client_metadata', { ...d, default_max_age: choose([-1, 1.5, '60'], pick) }),
  'a require_auth_time that is not a boolean': (d, pick) =>
    redirectMetadata('invalid_client_metadata', { ...d, require_auth_time: choose(['yes', 1], pick) }),
  'default_acr_values that are not strings': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      default_acr_values: choose(['urn:acr:1', [1]], pick),
    }),
  'a refused initiate_login_uri': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      initiate_login_uri: choose(labelled(HTTPS_ONLY_URLS, false), pick),
    }),
  'refused request_uris': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      request_uris: choose(
        ['https://client.example.org/login', ...labelled(HTTPS_ONLY_URLS, false).map((uri) => [uri])],
        pick,
      ),
    }),
  'a refused post-logout redirect URI': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      post_logout_redirect_uris: choose(
        [choose(BAD_REDIRECTS, pick >> 2), [choose(BAD_REDIRECTS, pick >> 2)]],
        pick,
      ),
    }),
  'a refused logout URI': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(['backchannel_logout_uri', 'frontchannel_logout_uri'], pick)]: choose(
        [...labelled(LOGOUT_URLS, false), 7],
        pick >> 1,
      ),
    }),
  'a session_required member that is not a boolean': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(['backchannel_logout_session_required', 'frontchannel_logout_session_required'], pick)]: 'true',
    }),
  'a software_id or software_version that is not a string': (d, pick) =>
    redirectMetadata('invalid_client_metadata', {
      ...d,
      [choose(['software_id', 'software_version'], pick)]: choose([42, false, ['1.0']], pick >> 1),
    }),
};

/** A valid document with exactly one rule broken, and the code that rule calls for. */
export const documentWithOneViolation: fc.Arbitrary<{
  document: Document;
  code: MetadataErrorCode;
  violation: string;
}> = fc
  .tuple(validDocument, fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat())
  .map(([document, violation, pick]) => {
    const result = (MUTATIONS[violation] as Mutation)(document, pick);
    return result ? { ...result, violation } : null;
  })
  .filter(
    (value): value is { document: Document; code: MetadataErrorCode; violation: string } => value !== null,
  );

const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/**
 * A valid document with a few members overwritten by values drawn from the valid and the refused
 * labels alike, in any combination: the oracle decides what the answer must be.
 */
export const mixedDocument: fc.Arbitrary<Document> = fc
  .tuple(
    validDocument,
    fc.record({
      redirect_uris: rarely(
        fc.oneof(
          fc.array(fc.constantFrom(...REDIRECT_URIS.keys()), { maxLength: 3 }),
          fc.constantFrom('https://client.example.org/cb', 42),
        ),
      ),
      application_type: rarely(fc.constantFrom('web', 'native', 'desktop', 42)),
      grant_types: rarely(fc.subarray([...FUZZ_SETTINGS.grantTypes, 'password'])),
      response_types: rarely(fc.subarray([...FUZZ_SETTINGS.responseTypes, 'id_token code', 'code token'])),
      token_endpoint_auth_method: rarely(
        fc.constantFrom(...FUZZ_SETTINGS.authMethods, 'client_secret_jwt', 7),
      ),
      token_endpoint_auth_signing_alg: rarely(fc.constantFrom('RS256', 'EdDSA', 'none', 'HS256')),
      jwks: rarely(fc.constantFrom(...JWKS.map((entry) => entry.value))),
      jwks_uri: rarely(fc.constantFrom(...JWKS_URIS.keys())),
      scope: rarely(fc.constantFrom(...SCOPES.keys(), 42)),
      client_name: rarely(fc.oneof(fc.string({ maxLength: 20 }), fc.constant(42))),
      client_uri: rarely(fc.constantFrom(...HUMAN_URLS.keys())),
      logo_uri: rarely(fc.constantFrom(...HUMAN_URLS.keys())),
      contacts: rarely(fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 2 }), fc.constant([3]))),
      software_id: rarely(fc.oneof(fc.string({ maxLength: 10 }), fc.constant(false))),
      'client_name#de': rarely(fc.oneof(fc.string({ maxLength: 10 }), fc.constant(1))),
      'policy_uri#ja-Jpan-JP': rarely(fc.constantFrom(...HUMAN_URLS.keys())),
      'tos_uri#en_US': rarely(fc.constantFrom(...HUMAN_URLS.keys())),
      'scope#fr': rarely(fc.jsonValue({ maxDepth: 1 })),
      client_id: rarely(fc.jsonValue({ maxDepth: 1 })),
      client_secret: rarely(fc.constantFrom('chosen-by-the-client', 42)),
      registration_access_token: rarely(fc.constant('chosen-by-the-client')),
      subject_type: rarely(fc.constantFrom('public', 'pairwise')),
      id_token_signed_response_alg: rarely(fc.constantFrom('RS256', 'none', 'HS256')),
      id_token_encrypted_response_enc: rarely(fc.constant('A128CBC-HS256')),
      token_endpoint_auth_methods_supported: rarely(
        fc.constantFrom(['none'], ['private_key_jwt', 'none'], ['tls_client_auth'], 'none', [3]),
      ),
      subject_types_supported: rarely(fc.constantFrom(['public'], ['pairwise'], 'public')),
      id_token_signing_alg_values_supported: rarely(
        fc.constantFrom(['ES256'], ['none'], ['HS256', 'EdDSA'], []),
      ),
      userinfo_encryption_alg_values_supported: rarely(fc.constant(['RSA-OAEP-256'])),
      default_max_age: rarely(fc.constantFrom(0, 3600, -5, 2.5)),
      require_auth_time: rarely(fc.constantFrom(true, 'no')),
      request_uris: rarely(fc.subarray([...HTTPS_ONLY_URLS.keys()], { maxLength: 2 })),
      post_logout_redirect_uris: rarely(fc.array(fc.constantFrom(...REDIRECT_URIS.keys()), { maxLength: 2 })),
      backchannel_logout_uri: rarely(fc.constantFrom(...LOGOUT_URLS.keys())),
      nulled: rarely(fc.constantFrom('redirect_uris', 'grant_types', 'scope', 'jwks', 'application_type')),
    }),
  )
  .map(([document, overrides]) => {
    const next: Document = { ...document };
    for (const [member, value] of Object.entries(overrides)) {
      if (value === undefined) continue;
      if (member === 'nulled') next[value as string] = null;
      else next[member] = value;
    }
    return next;
  });

/** Strips the members a registration may carry but an update may not (RFC 7592 §2.2). */
export function withoutServerOwned(document: Document): Document {
  const next = { ...document };
  for (const member of SERVER_OWNED) delete next[member];
  return next;
}

/** Where a deeply nested value goes: inside a JWK, as a metadata member, or as the body itself. */
export type NestingPlace = 'jwk member' | 'metadata member' | 'top level';

/** A body nested `depth` levels deep in total, as text, with the document the oracle judges. */
export interface NestedBody {
  readonly place: NestingPlace;
  /** Levels of the whole body, the outermost value at level 1. */
  readonly depth: number;
  /** Builds the body's text, with `extra` members added to the top-level object (none at the top level). */
  text(extra?: Document): string;
  /** For a body within the limit: the document as parsed, or `null` when the top level is an array. */
  readonly judged: Document | null;
}

const PLACEHOLDER = '__nested__';
/** Metadata members a nested value can replace; the oracle judges each from its value alone. */
const NESTABLE_MEMBERS = [
  'x_nested',
  'client_name',
  'client_name#de',
  'contacts',
  'redirect_uris',
  'scope',
  'software_id',
  'grant_types',
  'default_acr_values',
];
/** Innermost values, as text, and the levels they add; some hold brackets inside strings. */
const LEAVES: readonly [string, number][] = [
  ['0', 0],
  ['null', 0],
  ['"x"', 0],
  ['"[[[[{{{{"', 0],
  ['"\\"]]]}}}\\\\"', 0],
  ['{}', 1],
  ['[]', 1],
];

/** `levels` arrays and objects, cycling through `pattern`, around `leaf`: text only, never a stack. */
function nestedText(levels: number, pattern: readonly ('[' | '{')[], leaf: string): string {
  let open = '';
  let close = '';
  for (let level = 0; level < levels; level++) {
    const array = pattern[level % pattern.length] === '[';
    open += array ? '[' : '{"k":';
    close = (array ? ']' : '}') + close;
  }
  return open + leaf + close;
}

/**
 * Bodies nested around the limit (28 to 36 levels) and far beyond it (up to 9,000, which keeps
 * the text under the 64 KiB body cap), in a JWK member, in any metadata member, or at the top level.
 */
export const nestedBody: fc.Arbitrary<NestedBody> = fc
  .record({
    document: validDocument,
    place: fc.constantFrom<NestingPlace>('jwk member', 'metadata member', 'top level'),
    member: fc.constantFrom(...NESTABLE_MEMBERS),
    depth: fc.oneof(fc.integer({ min: 28, max: 36 }), fc.integer({ min: 37, max: 9000 })),
    pattern: fc.array(fc.constantFrom<'[' | '{'>('[', '{'), { minLength: 1, maxLength: 4 }),
    leaf: fc.constantFrom(...LEAVES),
  })
  .filter(({ place, depth, leaf }) => depth - leaf[1] - (place === 'jwk member' ? 4 : 1) >= 1)
  .map(({ document, place, member, depth, pattern, leaf: [leaf, leafLevels] }): NestedBody => {
    // The body, jwks, keys and the key hold a JWK member; the body alone holds a metadata member.
    const outer = place === 'jwk member' ? 4 : place === 'metadata member' ? 1 : 0;
    const nested = nestedText(depth - outer - leafLevels, pattern, leaf);
    const within = depth <= MAX_NESTING;
    if (place === 'top level') {
      const parsed = within ? (JSON.parse(nested) as unknown) : undefined;
      return {
        place,
        depth,
        text: () => nested,
        judged: parsed !== undefined && !Array.isArray(parsed) ? (parsed as Document) : null,
      };
    }
    const carrier: Document = { ...document };
    const judged: Document = { ...document };
    const [key] = GOOD_JWKS as [{ keys: Record<string, unknown>[] }];
    if (place === 'jwk member') {
      delete carrier.jwks_uri;
      delete judged.jwks_uri;
      carrier.jwks = { keys: [{ ...key.keys[0], ext: PLACEHOLDER }] };
      // An extra JWK member is no rule's business, so the oracle judges the labelled set.
      judged.jwks = key;
    } else {
      carrier[member] = PLACEHOLDER;
      if (within) judged[member] = JSON.parse(nested);
    }
    return {
      place,
      depth,
      text: (extra = {}) => JSON.stringify({ ...carrier, ...extra }).replace(`"${PLACEHOLDER}"`, nested),
      judged: within ? judged : null,
    };
  });

/** A token request form value that is a string or an array of strings: what a form can carry. */
const stringValue = (strings: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 4, arbitrary: strings }, { weight: 1, arbitrary: fc.array(strings, { maxLength: 3 }) });

/** An object an extended form parser makes of bracketed names (`a[k]=v`): keys that are not indexes. */
const bracketObject: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  object: fc.dictionary(
    fc.constantFrom('a', 'k', 'x', 'secret'),
    fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 6 }), tie('object')),
    { minKeys: 1, maxKeys: 2 },
  ),
})).object as fc.Arbitrary<Record<string, unknown>>;

/** Values no form parser of strings makes, as a host's own code or an extended parser may pass them. */
const nonStringValue: fc.Arbitrary<unknown> = fc.oneof(
  bracketObject,
  fc.array(bracketObject, { minLength: 1, maxLength: 2 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }), { minLength: 1, maxLength: 2 }),
  fc.tuple(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), bracketObject, fc.constant(null))),
  fc
    .integer({ min: 1, max: 2000 })
    .map((levels) => JSON.parse(`${'['.repeat(levels)}"v"${']'.repeat(levels)}`) as unknown),
);

/** The placeholders a form carries for the registered client's id and secret, filled in by the test. */
export const CLIENT_ID_MARK = '<client_id>';
export const CLIENT_SECRET_MARK = '<client_secret>';

const credentialString = (mark: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(mark) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

/**
 * Token request forms (no Authorization header): credential parameters and others, as strings,
 * repeated strings, or, for `shapes: 'any'`, any value a host may pass; `'brackets'` keeps to the
 * objects and arrays a URL-encoded body with bracketed names can express.
 */
export function tokenForm(shapes: 'any' | 'brackets'): fc.Arbitrary<Record<string, unknown>> {
  const odd =
    shapes === 'any'
      ? nonStringValue
      : fc.oneof(bracketObject, fc.array(bracketObject, { minLength: 1, maxLength: 2 }));
  const value = (strings: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 3, arbitrary: stringValue(strings) }, { weight: 1, arbitrary: odd });
  const record = fc.record(
    {
      grant_type: value(fc.constantFrom('client_credentials', 'authorization_code')),
      client_id: value(credentialString(CLIENT_ID_MARK)),
      client_secret: value(credentialString(CLIENT_SECRET_MARK)),
      client_assertion: value(fc.string({ maxLength: 20 })),
      client_assertion_type: value(
        fc.constantFrom('urn:ietf:params:oauth:client-assertion-type:jwt-bearer', 'other'),
      ),
      scope: value(fc.constantFrom('read', 'openid profile')),
    },
    { requiredKeys: [] },
  );
  return record as fc.Arbitrary<Record<string, unknown>>;
}
