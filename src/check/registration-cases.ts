/**
 * The RFC 7591 registration cases: what a server must accept, what it must
 * or should refuse and with which error code, and what its answer carries.
 *
 * @module
 */

import {
  bodyObject,
  type CaseDefinition,
  CHECK_REDIRECT_URI,
  type CheckContext,
  clientName,
  describe,
  expectRefused,
  fail,
  isRegistration,
  notApplicable,
  pass,
  register,
  UNREACHABLE_JWKS_URI,
  type Verdict,
  warn,
} from './check-context.js';
import type { CheckResponse } from './check-session.js';

type Profiles = CaseDefinition['profiles'];
const REGISTRATION: Profiles = ['rfc7591', 'oidc', 'mcp'];

function definition(
  id: string,
  title: string,
  section: string,
  level: CaseDefinition['level'],
  profiles: Profiles = REGISTRATION,
): CaseDefinition {
  return { id, title, section, level, profiles };
}

const MINIMAL = definition(
  'reg.minimal',
  'a minimal registration is answered 201 with a client_id',
  'RFC 7591 §3.2.1',
  'must',
);
const DEFAULTS = definition(
  'reg.defaults',
  'the answer carries the registered defaults (token_endpoint_auth_method, grant_types, response_types)',
  'RFC 7591 §2, §3.2.1',
  'should',
);
const SECRET_EXPIRY = definition(
  'reg.secret-expires-at',
  'a client_secret comes with client_secret_expires_at',
  'RFC 7591 §3.2.1',
  'must',
);
const NO_STORE = definition(
  'reg.no-store',
  'an answer carrying credentials has Cache-Control: no-store',
  'RFC 7591 §3.2.1 (example), RFC 6749 §5.1',
  'should',
);
const UNKNOWN_MEMBER = definition(
  'reg.unknown-member',
  'an unknown member is ignored, not refused',
  'RFC 7591 §2',
  'must',
);
const LANGUAGE_TAG = definition(
  'reg.language-tag',
  'a language-tagged client_name is accepted',
  'RFC 7591 §2.2',
  'must',
);
const REDIRECT_REQUIRED = definition(
  'reg.redirect-uris-required',
  'an authorization_code client without redirect_uris is refused',
  'RFC 7591 §5',
  'must',
);
const REDIRECT_FRAGMENT = definition(
  'reg.redirect-fragment',
  'a redirect URI with a fragment is refused with invalid_redirect_uri',
  'RFC 6749 §3.1.2, RFC 7591 §3.2.2',
  'must',
);
const REDIRECT_RELATIVE = definition(
  'reg.redirect-relative',
  'a relative redirect URI is refused with invalid_redirect_uri',
  'RFC 6749 §3.1.2, RFC 7591 §3.2.2',
  'must',
);
const REDIRECT_JAVASCRIPT = definition(
  'reg.redirect-javascript',
  'a javascript: redirect URI is refused',
  'RFC 7591 §5, RFC 6749 §10.6',
  'should',
);
const REDIRECT_DATA = definition(
  'reg.redirect-data',
  'a data: redirect URI is refused',
  'RFC 7591 §5, RFC 6749 §10.6',
  'should',
);
const REDIRECT_HTTP = definition(
  'reg.redirect-http',
  'a non-loopback http redirect URI is refused',
  'RFC 6749 §3.1.2.1, RFC 8252 §8.3, RFC 7591 §5',
  'should',
);
const JWKS_BOTH = definition(
  'reg.jwks-both',
  'jwks and jwks_uri together are refused with invalid_client_metadata',
  'RFC 7591 §2',
  'must',
);
const WRONG_TYPE = definition(
  'reg.wrong-type',
  'redirect_uris as a string, not an array, is refused',
  'RFC 7591 §2, §3.2.2',
  'should',
);
const GRANT_RESPONSE = definition(
  'reg.grant-response-mismatch',
  'authorization_code with response_types ["token"] is refused or made consistent',
  'RFC 7591 §2.1',
  'should',
);
const MALFORMED = definition(
  'reg.malformed-json',
  'a body that is not JSON is refused with 400 and a JSON error',
  'RFC 7591 §3.1, §3.2.2',
  'must',
);
const MEDIA_TYPE = definition(
  'reg.media-type',
  'a JSON body sent as text/plain is refused',
  'RFC 7591 §3.1',
  'should',
);
const OVERSIZED = definition(
  'reg.oversized',
  'a 1 MiB registration is refused with a 4xx, not a 5xx',
  'RFC 7591 §3.1, RFC 9110 §15.5.14',
  'should',
);
const PUBLIC_CLIENT = definition(
  'mcp.public-client',
  'a public client (token_endpoint_auth_method none) is registered without a secret',
  'MCP 2026-07-28 Authorization: Client Registration, RFC 7591 §2',
  'must',
  ['mcp'],
);
const APPLICATION_TYPE = definition(
  'oidc.application-type',
  'the answer carries application_type (web by default)',
  'OpenID Connect Dynamic Client Registration 1.0 §2, §3.2',
  'should',
  ['oidc'],
);

/** The cases of this group, in the order they run. */
export const REGISTRATION_CASES: readonly CaseDefinition[] = [
  MINIMAL,
  DEFAULTS,
  SECRET_EXPIRY,
  NO_STORE,
  APPLICATION_TYPE,
  UNKNOWN_MEMBER,
  LANGUAGE_TAG,
  REDIRECT_REQUIRED,
  REDIRECT_FRAGMENT,
  REDIRECT_RELATIVE,
  REDIRECT_JAVASCRIPT,
  REDIRECT_DATA,
  REDIRECT_HTTP,
  JWKS_BOTH,
  WRONG_TYPE,
  GRANT_RESPONSE,
  MALFORMED,
  MEDIA_TYPE,
  OVERSIZED,
  PUBLIC_CLIENT,
];

const INVALID_REDIRECT = ['invalid_redirect_uri'] as const;
const INVALID_METADATA = ['invalid_client_metadata'] as const;
const EITHER = ['invalid_redirect_uri', 'invalid_client_metadata'] as const;

function accepted(response: CheckResponse, extra = ''): Verdict {
  if (isRegistration(response)) return pass(`${describe(response)}${extra}`);
  return fail(`refused: ${describe(response)}`);
}

/** Runs the registration cases of the profile. */
export async function runRegistration(context: CheckContext): Promise<void> {
  const base = (): Record<string, unknown> => ({
    redirect_uris: [CHECK_REDIRECT_URI],
    client_name: clientName(context),
  });
  let minimal: CheckResponse | undefined;
  const needsMinimal = [MINIMAL, DEFAULTS, SECRET_EXPIRY, NO_STORE, APPLICATION_TYPE].some((item) =>
    context.selected(item),
  );
  if (needsMinimal) {
    await context.run(MINIMAL, async () => {
      minimal = await register(context, base());
      if (!isRegistration(minimal)) return fail(`refused: ${describe(minimal)}`);
      if (minimal.status !== 201)
        return warn(`${minimal.status} with a client_id; RFC 7591 §3.2.1 answers 201`);
      return pass(`201, client_id ${JSON.stringify(bodyObject(minimal)?.client_id)}`);
    });
  }
  const registered = minimal !== undefined && isRegistration(minimal) ? bodyObject(minimal) : undefined;
  const noMinimal = notApplicable('the minimal registration did not succeed');

  await context.run(DEFAULTS, async () => {
    if (registered === undefined || minimal === undefined) return noMinimal;
    const missing = ['token_endpoint_auth_method', 'grant_types', 'response_types'].filter(
      (member) => registered[member] === undefined,
    );
    return missing.length === 0
      ? pass(`token_endpoint_auth_method ${JSON.stringify(registered.token_endpoint_auth_method)}`)
      : fail(`missing ${missing.join(', ')}: a client must assume RFC 7591's defaults`);
  });
  await context.run(SECRET_EXPIRY, async () => {
    if (registered === undefined) return noMinimal;
    if (registered.client_secret === undefined) return notApplicable('no client_secret issued');
    return typeof registered.client_secret_expires_at === 'number'
      ? pass(`client_secret_expires_at ${registered.client_secret_expires_at}`)
      : fail(`client_secret_expires_at ${JSON.stringify(registered.client_secret_expires_at)}`);
  });
  await context.run(NO_STORE, async () => {
    if (registered === undefined || minimal === undefined) return noMinimal;
    if (registered.client_secret === undefined && registered.registration_access_token === undefined) {
      return notApplicable('no credentials in the answer');
    }
    const cacheControl = minimal.headers.get('cache-control');
    return cacheControl?.toLowerCase().includes('no-store') === true
      ? pass(`Cache-Control: ${cacheControl}`)
      : fail(`Cache-Control: ${cacheControl ?? '(absent)'}`);
  });
  await context.run(APPLICATION_TYPE, async () => {
    if (registered === undefined) return noMinimal;
    return typeof registered.application_type === 'string'
      ? pass(`application_type ${JSON.stringify(registered.application_type)}`)
      : fail('no application_type in the answer');
  });

  await context.run(UNKNOWN_MEMBER, async () => {
    const response = await register(context, { ...base(), registrar_check_unknown_member: 'ignored' });
    const echoed = bodyObject(response)?.registrar_check_unknown_member !== undefined;
    return accepted(response, echoed ? ' (echoed back)' : ' (dropped)');
  });
  await context.run(LANGUAGE_TAG, async () => {
    const response = await register(context, { ...base(), 'client_name#en': clientName(context) });
    const echoed = bodyObject(response)?.['client_name#en'] !== undefined;
    return accepted(response, echoed ? ' (client_name#en returned)' : ' (client_name#en not returned)');
  });
  await context.run(REDIRECT_REQUIRED, async () =>
    expectRefused(
      await register(context, {
        client_name: clientName(context),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
      EITHER,
    ),
  );
  const redirectCase = (item: CaseDefinition, uri: unknown, codes: readonly string[] = INVALID_REDIRECT) =>
    context.run(item, async () =>
      expectRefused(await register(context, { ...base(), redirect_uris: uri }), codes),
    );
  await redirectCase(REDIRECT_FRAGMENT, [`${CHECK_REDIRECT_URI}#fragment`]);
  await redirectCase(REDIRECT_RELATIVE, ['/callback']);
  await redirectCase(REDIRECT_JAVASCRIPT, ['javascript:alert(document.domain)//']);
  await redirectCase(REDIRECT_DATA, ['data:text/html,registrar-check']);
  await redirectCase(REDIRECT_HTTP, ['http://registrar-check.invalid/callback']);
  await context.run(JWKS_BOTH, async () =>
    expectRefused(
      await register(context, { ...base(), jwks: { keys: [] }, jwks_uri: UNREACHABLE_JWKS_URI }),
      INVALID_METADATA,
    ),
  );
  await redirectCase(WRONG_TYPE, CHECK_REDIRECT_URI, EITHER);
  await context.run(GRANT_RESPONSE, async () => {
    const response = await register(context, {
      ...base(),
      grant_types: ['authorization_code'],
      response_types: ['token'],
    });
    if (!isRegistration(response)) return expectRefused(response, INVALID_METADATA);
    const body = bodyObject(response) as Record<string, unknown>;
    const grants = body.grant_types;
    const responses = body.response_types;
    const consistent =
      Array.isArray(grants) &&
      Array.isArray(responses) &&
      grants.includes('authorization_code') === responses.includes('code');
    return consistent
      ? pass(
          `registered as grant_types ${JSON.stringify(grants)}, response_types ${JSON.stringify(responses)}`,
        )
      : fail(
          `accepted as sent: grant_types ${JSON.stringify(grants)}, response_types ${JSON.stringify(responses)}`,
        );
  });
  await context.run(MALFORMED, async () => {
    const response = await register(context, '{"redirect_uris": [');
    if (response.status >= 200 && response.status < 300) return fail(`accepted: ${describe(response)}`);
    if (response.status >= 500) return fail(`server error: ${describe(response)}`);
    if (response.status !== 400) return fail(`${describe(response)}; RFC 7591 section 3.2.2 answers 400`);
    return typeof bodyObject(response)?.error === 'string'
      ? pass(describe(response))
      : warn(`${describe(response)}: the error is not the JSON object of RFC 7591 §3.2.2`);
  });
  await context.run(MEDIA_TYPE, async () => {
    const response = await register(context, JSON.stringify(base()), { contentType: 'text/plain' });
    if (isRegistration(response)) return fail(`accepted: ${describe(response)}`);
    if (response.status >= 500) return fail(`server error: ${describe(response)}`);
    return pass(`refused: ${describe(response)}`);
  });
  await context.run(OVERSIZED, async () => {
    const padding = 'x'.repeat(1024 * 1024);
    const response = await register(context, { ...base(), registrar_check_padding: padding });
    if (isRegistration(response)) return fail(`accepted: ${describe(response)}`);
    if (response.status >= 500) return fail(`server error: ${describe(response)}`);
    return pass(`refused: ${describe(response)}`);
  });
  await context.run(PUBLIC_CLIENT, async () => {
    const response = await register(context, {
      redirect_uris: ['http://127.0.0.1/callback'],
      client_name: clientName(context),
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    if (!isRegistration(response)) return fail(`refused: ${describe(response)}`);
    const body = bodyObject(response) as Record<string, unknown>;
    if (body.client_secret !== undefined) return fail('registered, but with a client_secret');
    return body.token_endpoint_auth_method === 'none' || body.token_endpoint_auth_method === undefined
      ? pass(`${describe(response)}, no client_secret`)
      : fail(`registered as ${JSON.stringify(body.token_endpoint_auth_method)}`);
  });
}
