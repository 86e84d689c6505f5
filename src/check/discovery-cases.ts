/**
 * Discovery as clients do it: the metadata at the RFC 8414 inserted path,
 * then OpenID Connect Discovery's two forms; the issuer; the members each
 * profile needs; and whether every advertised endpoint answers.
 *
 * @module
 */

import {
  type CaseDefinition,
  type CheckContext,
  describe,
  fail,
  notApplicable,
  pass,
  type Verdict,
} from './check-context.js';
import type { CheckResponse } from './check-session.js';

const METADATA: CaseDefinition = {
  id: 'discovery.metadata',
  title: 'authorization server metadata is found where clients look',
  section: 'RFC 8414 §3.1',
  level: 'must',
  profiles: ['oidc', 'mcp'],
};
const ISSUER: CaseDefinition = {
  id: 'discovery.issuer',
  title: 'the metadata issuer is identical to the issuer named',
  section: 'RFC 8414 §3.3',
  level: 'must',
  profiles: ['oidc', 'mcp'],
};
const REQUIRED_MEMBERS: CaseDefinition = {
  id: 'discovery.required-members',
  title: 'the REQUIRED metadata members are present',
  section: 'RFC 8414 §2',
  level: 'must',
  profiles: ['oidc', 'mcp'],
};
const ENDPOINTS: CaseDefinition = {
  id: 'discovery.endpoints-answer',
  title: 'every advertised endpoint on the issuer host answers',
  section: 'RFC 8414 §2',
  level: 'should',
  profiles: ['oidc', 'mcp'],
};
const OPENID: CaseDefinition = {
  id: 'oidc.discovery',
  title: 'OpenID Provider metadata with its REQUIRED members',
  section: 'OpenID Connect Discovery 1.0 §3, §4',
  level: 'must',
  profiles: ['oidc'],
};
const PKCE: CaseDefinition = {
  id: 'mcp.pkce-s256',
  title: 'code_challenge_methods_supported includes S256',
  section: 'MCP 2026-07-28 Authorization: Authorization Code Protection',
  level: 'must',
  profiles: ['mcp'],
};
const REGISTRATION_ADVERTISED: CaseDefinition = {
  id: 'mcp.registration-advertised',
  title: 'registration_endpoint or client_id_metadata_document_supported is advertised',
  section: 'MCP 2026-07-28 Authorization: Client Registration',
  level: 'must',
  profiles: ['mcp'],
};
const AUTH_NONE: CaseDefinition = {
  id: 'mcp.auth-method-none',
  title: 'token_endpoint_auth_methods_supported includes none for public clients',
  section: 'MCP 2026-07-28 Authorization: Client Registration',
  level: 'must',
  profiles: ['mcp'],
};

/** The cases of this group, in the order they run. */
export const DISCOVERY_CASES: readonly CaseDefinition[] = [
  METADATA,
  ISSUER,
  REQUIRED_MEMBERS,
  ENDPOINTS,
  OPENID,
  PKCE,
  REGISTRATION_ADVERTISED,
  AUTH_NONE,
];

// OpenID Connect Discovery §3 REQUIRED members beyond RFC 8414's.
const OPENID_REQUIRED = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
] as const;

// The members RFC 8414 §2 (and OpenID Connect Discovery §3) name as URLs of endpoints, each with the
// method a client uses there: a bare POST to a form endpoint is answered 400 by a working one, where
// some servers answer a GET to it 404. The registration endpoint is left out: the registration cases
// exercise it.
const ENDPOINT_MEMBERS = [
  ['authorization_endpoint', 'GET'],
  ['token_endpoint', 'POST'],
  ['jwks_uri', 'GET'],
  ['revocation_endpoint', 'POST'],
  ['introspection_endpoint', 'POST'],
  ['userinfo_endpoint', 'GET'],
  ['pushed_authorization_request_endpoint', 'POST'],
  ['device_authorization_endpoint', 'POST'],
  ['end_session_endpoint', 'GET'],
] as const;

/** `issuer` with `/.well-known/NAME` inserted before its path (RFC 8414 §3.1). */
function insertedUrl(issuer: URL, name: string): string {
  const path = issuer.pathname.replace(/\/$/, '');
  return `${issuer.origin}/.well-known/${name}${path}`;
}

/** `issuer` with `/.well-known/openid-configuration` appended (OpenID Connect Discovery §4.1). */
function appendedUrl(issuer: URL): string {
  return `${issuer.origin}${issuer.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

interface Fetched {
  readonly url: string;
  readonly response: CheckResponse | undefined;
  readonly error: string | undefined;
}

async function fetchMetadata(context: CheckContext, url: string): Promise<Fetched> {
  try {
    return {
      url,
      response: await context.session.send({ method: 'GET', url, headers: { accept: 'application/json' } }),
      error: undefined,
    };
  } catch (error) {
    if ((error as Error).name === 'NotRunError') throw error;
    return { url, response: undefined, error: (error as Error).message };
  }
}

function metadataOf(fetched: Fetched): Record<string, unknown> | undefined {
  const json = fetched.response?.status === 200 ? fetched.response.json : undefined;
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : undefined;
}

function seenOf(fetched: Fetched): string {
  if (fetched.response === undefined) return `${fetched.url}: ${fetched.error ?? 'no answer'}`;
  const json =
    metadataOf(fetched) === undefined && fetched.response.status === 200 ? ' (not a JSON object)' : '';
  return `${fetched.url}: ${fetched.response.status}${json}`;
}

function includes(metadata: Record<string, unknown>, member: string, value: string): boolean {
  const list = metadata[member];
  return Array.isArray(list) && list.includes(value);
}

/**
 * Finds the metadata (kept in the context for the other groups) and runs the
 * discovery cases of the profile.
 */
export async function runDiscovery(context: CheckContext): Promise<void> {
  const issuer = new URL(context.issuer);
  const oauth = await fetchMetadata(context, insertedUrl(issuer, 'oauth-authorization-server'));
  let openid: Fetched | undefined;
  let found: Fetched | undefined = metadataOf(oauth) === undefined ? undefined : oauth;
  const tried: Fetched[] = [oauth];
  const wantsOpenId = context.selected(OPENID);
  if (found === undefined || wantsOpenId) {
    for (const url of new Set([insertedUrl(issuer, 'openid-configuration'), appendedUrl(issuer)])) {
      const fetched = await fetchMetadata(context, url);
      tried.push(fetched);
      if (metadataOf(fetched) !== undefined) {
        openid = fetched;
        break;
      }
    }
    found ??= openid;
  }
  const metadata = found === undefined ? undefined : metadataOf(found);
  context.metadata = metadata;
  context.metadataUrl = found?.url;
  if (context.registrationEndpoint === undefined && typeof metadata?.registration_endpoint === 'string') {
    context.registrationEndpoint = metadata.registration_endpoint;
  }

  context.record(
    METADATA,
    found === undefined ? fail(`not found: ${tried.map(seenOf).join('; ')}`) : pass(`found at ${found.url}`),
  );
  await context.run(ISSUER, async () => {
    if (metadata === undefined) return notApplicable('no metadata');
    return metadata.issuer === context.issuer
      ? pass(`issuer ${JSON.stringify(metadata.issuer)}`)
      : fail(`issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(context.issuer)}`);
  });
  await context.run(REQUIRED_MEMBERS, async () => {
    if (metadata === undefined) return notApplicable('no metadata');
    const missing = ['issuer', 'response_types_supported'].filter((member) => metadata[member] === undefined);
    const responseTypes = metadata.response_types_supported;
    const usesAuthorization = !Array.isArray(responseTypes) || responseTypes.length > 0;
    if (usesAuthorization && metadata.authorization_endpoint === undefined)
      missing.push('authorization_endpoint');
    if (metadata.token_endpoint === undefined) missing.push('token_endpoint');
    return missing.length === 0 ? pass('all present') : fail(`missing ${missing.join(', ')}`);
  });
  await context.run(ENDPOINTS, () => endpointsAnswer(context, metadata));
  await context.run(OPENID, async () => {
    const document = openid === undefined ? undefined : metadataOf(openid);
    if (document === undefined || openid === undefined) {
      return fail(`no OpenID Provider metadata: ${tried.slice(1).map(seenOf).join('; ')}`);
    }
    const missing = OPENID_REQUIRED.filter((member) => document[member] === undefined);
    if (document.issuer !== context.issuer) {
      return fail(`issuer ${JSON.stringify(document.issuer)} at ${openid.url}`);
    }
    return missing.length === 0 ? pass(`found at ${openid.url}`) : fail(`missing ${missing.join(', ')}`);
  });
  await context.run(PKCE, async () => {
    if (metadata === undefined) return notApplicable('no metadata (see discovery.metadata)');
    return includes(metadata, 'code_challenge_methods_supported', 'S256')
      ? pass('S256 listed')
      : fail(`code_challenge_methods_supported ${JSON.stringify(metadata.code_challenge_methods_supported)}`);
  });
  await context.run(REGISTRATION_ADVERTISED, async () => {
    if (metadata === undefined) return notApplicable('no metadata (see discovery.metadata)');
    const registration = typeof metadata.registration_endpoint === 'string';
    const documents = metadata.client_id_metadata_document_supported === true;
    if (!registration && !documents) return fail('neither is advertised');
    return pass(
      [registration ? 'registration_endpoint' : '', documents ? 'client_id_metadata_document_supported' : '']
        .filter(Boolean)
        .join(' and '),
    );
  });
  await context.run(AUTH_NONE, async () => {
    if (metadata === undefined) return notApplicable('no metadata (see discovery.metadata)');
    return includes(metadata, 'token_endpoint_auth_methods_supported', 'none')
      ? pass('none listed')
      : fail(
          `token_endpoint_auth_methods_supported ${JSON.stringify(metadata.token_endpoint_auth_methods_supported)}`,
        );
  });
}

/**
 * One GET to each advertised endpoint on an allowed host: any answer below
 * 500 other than 404 counts (a 400 or 405 to a bare GET is an endpoint that
 * is there). Endpoints on other hosts are named, not contacted.
 */
async function endpointsAnswer(
  context: CheckContext,
  metadata: Record<string, unknown> | undefined,
): Promise<Verdict> {
  if (metadata === undefined) return notApplicable('no metadata');
  const answered: string[] = [];
  const broken: string[] = [];
  const skipped: string[] = [];
  for (const [member, method] of ENDPOINT_MEMBERS) {
    const url = metadata[member];
    if (typeof url !== 'string') continue;
    if (!context.session.allows(url)) {
      skipped.push(member);
      continue;
    }
    try {
      const response = await context.session.send(
        method === 'GET'
          ? { method, url }
          : { method, url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
      );
      if (response.status === 404 || response.status >= 500) broken.push(`${member} ${describe(response)}`);
      else answered.push(`${member} ${response.status}`);
    } catch (error) {
      if ((error as Error).name === 'NotRunError') throw error;
      broken.push(`${member}: ${(error as Error).message}`);
    }
  }
  const notes = [
    answered.length > 0 ? `answered: ${answered.join(', ')}` : '',
    skipped.length > 0 ? `not contacted (other host): ${skipped.join(', ')}` : '',
  ].filter(Boolean);
  if (broken.length > 0) return fail([`no working answer: ${broken.join(', ')}`, ...notes].join('; '));
  if (answered.length === 0) return notApplicable(notes.join('; ') || 'no endpoints advertised');
  return pass(notes.join('; '));
}
