// The MCP TypeScript SDK's whole auth() path against one loopback server, as an MCP client meets a
// server in the field: the MCP endpoint answers 401 with a Bearer challenge naming its RFC 9728
// protected resource metadata (protectedResourceMetadata, bearerChallenge); the SDK reads it, finds
// the RFC 8414 document Registrar serves through the adapter under test (discoveryEnabled),
// registers through RFC 7591 (or, with a clientMetadataUrl, uses its Client ID Metadata Document
// instead), is sent to the host's authorization endpoint (resolveClient, matchRedirectUri, PKCE
// S256), exchanges the code at the host's token endpoint (authenticateClient) and saves tokens
// that the MCP endpoint accepts. The host's endpoints are a minimal authorization server written
// here, answered before the framework app; everything else reaches Registrar's adapter.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegistrationError } from '../../src/core/errors.js';
import type { ClientAuthentication } from '../../src/core/host/authenticate-client.js';
import {
  bearerChallenge,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../../src/core/host/protected-resource.js';
import type { ResolvedClient } from '../../src/core/host/resolve-client.js';
import { errorHeaders } from '../../src/http/error-response.js';
import { createMemoryStore } from '../../src/store/memory.js';
import type { HostRoutes } from '../helpers/adapters.js';
import { startRegistrar, type TestServer } from '../helpers/http.js';
import {
  CLIENT_METADATA,
  authorizeThrough as loginThrough,
  MemoryProvider,
} from '../helpers/mcp-sdk-client.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
} from '../helpers/tls.js';

const SCOPE = 'mcp:tools';
const DOCUMENT_PATH = '/mcp-client/metadata.json';

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly resource: string | null;
  readonly scope: string | null;
}

/** The host authorization server and MCP endpoint, with what they saw. */
class Host {
  readonly codes = new Map<string, PendingCode>();
  readonly accessTokens = new Map<string, { clientId: string; resource: string | null }>();
  /** `METHOD /path STATUS` of every request the server answered, Registrar's included. */
  readonly log: string[] = [];
  readonly authenticated: ClientAuthentication<unknown>[] = [];
  server: TestServer | undefined;

  get url(): string {
    return (this.server as TestServer).url;
  }

  get resource(): string {
    return `${this.url}/mcp`;
  }

  readonly routes: HostRoutes = (req, res) => {
    const url = new URL(req.url ?? '/', this.url);
    res.on('finish', () => this.log.push(`${req.method} ${url.pathname} ${res.statusCode}`));
    const answer = this.answer(req, url);
    if (answer === null) return false;
    answer.then(
      ({ status, headers, body }) => {
        res.writeHead(status, headers).end(body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      },
    );
    return true;
  };

  private answer(req: IncomingMessage, url: URL): Promise<Answer> | null {
    if (url.pathname === new URL(protectedResourceMetadataUrl(this.resource)).pathname) {
      return Promise.resolve(
        json(
          200,
          protectedResourceMetadata({
            resource: this.resource,
            authorization_servers: [this.url],
            scopes_supported: [SCOPE],
            resource_name: 'Registrar test MCP server',
          }),
        ),
      );
    }
    if (url.pathname === '/mcp') return Promise.resolve(this.mcp(req));
    if (url.pathname === '/authorize' && req.method === 'GET') return this.authorize(url.searchParams);
    if (url.pathname === '/token' && req.method === 'POST') return this.token(req);
    return null;
  }

  private mcp(req: IncomingMessage): Answer {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = token === undefined ? undefined : this.accessTokens.get(token);
    if (grant === undefined || grant.resource !== this.resource) {
      return {
        status: 401,
        headers: {
          'www-authenticate': bearerChallenge({
            resourceMetadata: protectedResourceMetadataUrl(this.resource),
            scope: SCOPE,
          }),
        },
        body: '',
      };
    }
    return json(200, { client_id: grant.clientId });
  }

  /** Auto-approves a request from a known client to one of its redirect URIs, with PKCE S256. */
  private async authorize(params: URLSearchParams): Promise<Answer> {
    const registrar = (this.server as TestServer).registrar;
    let client: ResolvedClient<unknown>;
    try {
      client = await registrar.resolveClient(params.get('client_id') ?? '');
    } catch {
      return json(400, { error: 'invalid_request', error_description: 'unknown client' });
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!registrar.matchRedirectUri(client.metadata, redirectUri)) {
      return json(400, { error: 'invalid_request', error_description: 'unregistered redirect_uri' });
    }
    const target = new URL(redirectUri);
    const state = params.get('state');
    if (state !== null) target.searchParams.set('state', state);
    const challenge = params.get('code_challenge');
    if (
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256' ||
      !challenge
    ) {
      target.searchParams.set('error', 'invalid_request');
      return { status: 302, headers: { location: target.href }, body: '' };
    }
    const code = randomBytes(16).toString('base64url');
    this.codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      challenge,
      resource: params.get('resource'),
      scope: params.get('scope'),
    });
    target.searchParams.set('code', code);
    target.searchParams.set('iss', registrar.settings.issuer);
    return { status: 302, headers: { location: target.href }, body: '' };
  }

  private async token(req: IncomingMessage): Promise<Answer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let client: ClientAuthentication<unknown>;
    try {
      client = await (this.server as TestServer).registrar.authenticateClient({ headers: req.headers, body });
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      return {
        ...json(error.status, { error: error.code, error_description: error.description }),
        headers: { 'content-type': 'application/json', ...errorHeaders(error) },
      };
    }
    this.authenticated.push(client);
    const form = new URLSearchParams(body);
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    if (
      form.get('grant_type') !== 'authorization_code' ||
      pending === undefined ||
      pending.clientId !== client.clientId ||
      pending.redirectUri !== form.get('redirect_uri') ||
      pending.resource !== form.get('resource') ||
      createHash('sha256').update(verifier).digest('base64url') !== pending.challenge
    ) {
      return json(400, { error: 'invalid_grant' });
    }
    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, { clientId: client.clientId, resource: pending.resource });
    return json(200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 3600,
      ...(pending.scope === null ? {} : { scope: pending.scope }),
    });
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function json(status: number, body: unknown): Answer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** The shared login, then the MCP endpoint with the saved access token. */
async function authorizeThrough(host: Host, provider: MemoryProvider): Promise<void> {
  const tokens = await loginThrough(host.resource, provider, SCOPE);
  const served = await fetch(host.resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(served.status, 200, 'the MCP endpoint takes the token');
  assert.equal(((await served.json()) as { client_id: string }).client_id, provider.information?.client_id);
}

describe('the MCP TypeScript SDK auth() flow against Registrar', () => {
  const host = new Host();
  let docs: HttpsTestServer;
  const documents = new Map<string, unknown>();
  before(async () => {
    docs = await startHttpsServer((req, res) => {
      const body = documents.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    host.server = await startRegistrar(
      {
        registrationEnabled: true,
        registration: createMemoryStore(),
        discoveryEnabled: true,
        clientIdMetadataDocuments: { enabled: true },
        fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })),
      },
      host.routes,
    );
  });
  after(async () => {
    await host.server?.close();
    await docs.close();
  });
  beforeEach(() => {
    host.log.length = 0;
    host.authenticated.length = 0;
  });

  it('discovers both documents, registers dynamically, and ends with tokens the MCP server accepts', async () => {
    const provider = new MemoryProvider({
      ...CLIENT_METADATA,
      token_endpoint_auth_method: 'client_secret_basic',
    });
    await authorizeThrough(host, provider);

    const information = provider.information as Record<string, unknown>;
    assert.match(information.client_id as string, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(typeof information.client_secret, 'string', 'registered as a confidential client');
    assert.equal(information.scope, SCOPE, "the SDK registered the resource's scope");
    assert.equal(host.authenticated.length, 1);
    assert.equal(host.authenticated[0]?.clientId, information.client_id);
    assert.equal(host.authenticated[0]?.method, 'client_secret_basic');
    assert.equal(host.authenticated[0]?.source, 'registration');

    for (const step of [
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /oauth/register 201',
      'GET /authorize 302',
      'POST /token 200',
      'POST /mcp 200',
    ]) {
      assert.ok(host.log.includes(step), `${step} in ${host.log.join('; ')}`);
    }
    const authorizationUrl = provider.authorizationUrl as URL;
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorizationUrl.searchParams.get('resource'), host.resource);

    // The authorization endpoint holds the client to its registered redirect URIs.
    const elsewhere = new URL(authorizationUrl);
    elsewhere.searchParams.set('redirect_uri', 'https://attacker.example/callback');
    const refused = await fetch(elsewhere, { redirect: 'manual' });
    assert.equal(refused.status, 400);
    await refused.body?.cancel();
  });

  it('uses its Client ID Metadata Document when Registrar advertises support, without registering', async () => {
    const clientId = `${docs.origin('client.test')}${DOCUMENT_PATH}`;
    documents.set(DOCUMENT_PATH, {
      ...CLIENT_METADATA,
      client_id: clientId,
      token_endpoint_auth_method: 'none',
    });
    const provider = new MemoryProvider({ ...CLIENT_METADATA, token_endpoint_auth_method: 'none' }, clientId);
    await authorizeThrough(host, provider);

    assert.equal(provider.information?.client_id, clientId);
    assert.ok(host.log.includes('GET /.well-known/oauth-authorization-server 200'), host.log.join('; '));
    assert.ok(!host.log.some((line) => line.startsWith('POST /oauth/register')), 'no registration');
    assert.ok(
      docs.requests.some((request) => request.path === DOCUMENT_PATH),
      'Registrar fetched the document',
    );
    assert.equal(host.authenticated.length, 1);
    assert.equal(host.authenticated[0]?.source, 'metadata_document');
    assert.equal(host.authenticated[0]?.publicClient, true);
  });
});
