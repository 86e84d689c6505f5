// registrar/mcp-sdk against the real MCP TypeScript SDK over loopback HTTP: the server is
// examples/mcp-sdk.ts (the SDK's mcpAuthRouter behind registrarMcpAuth, an MCP endpoint with one
// tool behind requireBearerAuth) on each bundled store without services; the client is the SDK's
// own (auth(), Client, StreamableHTTPClientTransport). It registers dynamically and, separately,
// uses a Client ID Metadata Document served over HTTPS on loopback; it logs in with authorization
// code and PKCE, with a secret over Basic and with private_key_jwt, and calls the tool. Then every
// wiring of the documented API a user might get wrong: each ends in invalid_client, never a token.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AddClientAuthentication, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { createPrivateKeyJwtAuth } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import express from 'express';
import { exportJWK } from 'jose';
import { createMcpAuthServer, type McpAuthServer, SCOPE } from '../../examples/mcp-sdk.js';
import { DemoAuthProvider } from '../../examples/mcp-sdk-provider.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { registrarMcpAuth } from '../../src/integrations/mcp-sdk.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { type OpenedStore, openStore } from '../helpers/bundled-stores.js';
import { keyPair } from '../helpers/key-server.js';
import { type Listening, listenOnLoopback } from '../helpers/listen.js';
import {
  authorizeThrough,
  CLIENT_METADATA,
  callTool,
  MemoryProvider,
  REDIRECT_URI,
} from '../helpers/mcp-sdk-client.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
} from '../helpers/tls.js';

const DOCUMENT_PATH = '/mcp-client/metadata.json';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

async function post(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** A body sent in two parts, so the SDK's body parser reads it across more than one event. */
function slowly(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const half = Math.floor(bytes.byteLength / 2);
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(bytes.subarray(0, half));
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.enqueue(bytes.subarray(half));
      controller.close();
    },
  });
}

/** A code for `clientId` from the authorization endpoint, with the verifier that redeems it. */
async function codeFor(
  server: McpAuthServer,
  base: string,
  clientId: string,
  method: 'GET' | 'POST' = 'GET',
) {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: SCOPE,
    resource: server.resource,
  });
  const response =
    method === 'GET'
      ? await fetch(`${base}/authorize?${params}`, { redirect: 'manual' })
      : await fetch(`${base}/authorize`, {
          method,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: slowly(params.toString()),
          duplex: 'half',
          redirect: 'manual',
        } as RequestInit);
  assert.equal(response.status, 302, await response.clone().text());
  const code = new URL(response.headers.get('location') as string).searchParams.get('code');
  assert.ok(code, 'the demo login approved');
  return {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT_URI,
    resource: server.resource,
  };
}

/** A client that authenticates with a signed assertion (RFC 7523) instead of a secret. */
class JwtProvider extends MemoryProvider {
  readonly addClientAuthentication: AddClientAuthentication;

  constructor(metadata: OAuthClientMetadata, addClientAuthentication: AddClientAuthentication) {
    super(metadata);
    this.addClientAuthentication = addClientAuthentication;
  }
}

function assertNoToken(answer: Answer, error = 'invalid_client'): void {
  assert.equal(answer.json.error, error, JSON.stringify(answer.json));
  assert.equal(answer.json.access_token, undefined);
}

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`registrar/mcp-sdk with the MCP SDK, on the ${kind} store`, () => {
    let listening: Listening;
    let server: McpAuthServer;
    let opened: OpenedStore;
    let docs: HttpsTestServer;
    const documents = new Map<string, unknown>();
    const extra: Listening[] = [];

    before(async () => {
      docs = await startHttpsServer((req, res) => {
        const body = documents.get(req.url ?? '');
        if (body === undefined) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      opened = await openStore(kind);
      listening = await listenOnLoopback();
      server = createMcpAuthServer({
        issuer: listening.url,
        registration: opened.store,
        fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })),
      });
      listening.server.on('request', server.app);
    });
    after(async () => {
      for (const other of extra) await other.close();
      await listening.close();
      await docs.close();
      await opened.close();
    });

    /** A client registered at Registrar's endpoint, as a raw RFC 7591 request. */
    async function registerClient(metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
      const response = await fetch(server.registrar.settings.registrationEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...CLIENT_METADATA, scope: SCOPE, ...metadata }),
      });
      assert.equal(response.status, 201);
      return (await response.json()) as Record<string, unknown>;
    }

    /** Another app on its own port, wired by `wire` against the same Registrar and provider. */
    async function otherApp(wire: (app: express.Express) => void): Promise<string> {
      const app = express();
      wire(app);
      const other = await listenOnLoopback();
      extra.push(other);
      other.server.on('request', app);
      return other.url;
    }

    it("serves Registrar's authorization server metadata ahead of the SDK's", async () => {
      const response = await fetch(`${listening.url}/.well-known/oauth-authorization-server`);
      assert.equal(response.status, 200);
      const metadata = (await response.json()) as Record<string, unknown>;
      assert.equal(metadata.issuer, listening.url);
      assert.equal(metadata.registration_endpoint, `${listening.url}/oauth/register`);
      assert.equal(metadata.authorization_endpoint, `${listening.url}/authorize`);
      assert.equal(metadata.token_endpoint, `${listening.url}/token`);
      assert.equal(metadata.revocation_endpoint, `${listening.url}/revoke`);
      assert.deepEqual(metadata.token_endpoint_auth_methods_supported, [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ]);
      assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token']);
      assert.equal(metadata.client_id_metadata_document_supported, true);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.equal(
        metadata.subject_types_supported,
        undefined,
        'no OpenID members: the SDK issues no ID tokens',
      );
      // The SDK's own registration endpoint is not mounted.
      const sdkRegister = await fetch(`${listening.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }),
      });
      assert.equal(sdkRegister.status, 404);
      await sdkRegister.body?.cancel();
    });

    it('the SDK client registers dynamically, logs in with its secret over Basic, and calls the tool', async () => {
      const provider = new MemoryProvider({
        ...CLIENT_METADATA,
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const client = new Client({ name: 'registrar-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(server.resource), {
        authProvider: provider,
      });
      await assert.rejects(client.connect(transport), UnauthorizedError);
      const code = provider.landedAt?.searchParams.get('code');
      assert.ok(code, 'the demo login sent a code back');
      assert.equal(provider.landedAt?.searchParams.get('state'), provider.sentState);
      await transport.finishAuth(code);

      const information = provider.information as Record<string, unknown>;
      assert.match(information.client_id as string, /^[A-Za-z0-9_-]{22}$/, "Registrar's client id");
      assert.equal(typeof information.client_secret, 'string');
      assert.equal(information.token_endpoint_auth_method, 'client_secret_basic');
      assert.equal(provider.saved?.scope, SCOPE);
      assert.equal(await callTool(server.resource, provider), `hello, ${information.client_id}`);
      assert.equal(provider.authorizationUrl?.searchParams.get('code_challenge_method'), 'S256');
    });

    it('uses a Client ID Metadata Document over HTTPS on loopback, without registering', async () => {
      const clientId = `${docs.origin('client.test')}${DOCUMENT_PATH}`;
      const metadata = { ...CLIENT_METADATA, token_endpoint_auth_method: 'none' };
      documents.set(DOCUMENT_PATH, { ...metadata, client_id: clientId });
      const provider = new MemoryProvider(metadata, clientId);
      await authorizeThrough(server.resource, provider, SCOPE);
      assert.equal(provider.information?.client_id, clientId);
      assert.ok(
        docs.requests.some((request) => request.path === DOCUMENT_PATH),
        'Registrar fetched it',
      );
      assert.equal(await callTool(server.resource, provider), `hello, ${clientId}`);
    });

    it('logs in with private_key_jwt; a wrong key or no assertion is invalid_client', async () => {
      const key = await keyPair('ES256');
      const registered = await registerClient({
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      const clientId = registered.client_id as string;
      const provider = new JwtProvider(
        { ...CLIENT_METADATA, token_endpoint_auth_method: 'private_key_jwt' },
        createPrivateKeyJwtAuth({
          issuer: clientId,
          subject: clientId,
          privateKey: (await exportJWK(key.privateKey)) as Record<string, unknown>,
          alg: 'ES256',
        }),
      );
      provider.saveClientInformation({ client_id: clientId });
      await authorizeThrough(server.resource, provider, SCOPE);
      assert.equal(await callTool(server.resource, provider), `hello, ${clientId}`);

      const issued = server.provider.issued.length;
      const other = await keyPair('ES256');
      const forged = createPrivateKeyJwtAuth({
        issuer: clientId,
        subject: clientId,
        privateKey: (await exportJWK(other.privateKey)) as Record<string, unknown>,
        alg: 'ES256',
      });
      const params = new URLSearchParams(await codeFor(server, listening.url, clientId));
      await forged(new Headers(), params, `${listening.url}/token`, { issuer: listening.url } as never);
      assertNoToken(await post(`${listening.url}/token`, Object.fromEntries(params)));
      assertNoToken(
        await post(`${listening.url}/token`, {
          ...(await codeFor(server, listening.url, clientId)),
          client_id: clientId,
        }),
      );
      assert.equal(server.provider.issued.length, issued, 'no token was issued');
    });

    it('gives a confidential client no token without its secret', async () => {
      const registered = await registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
      const clientId = registered.client_id as string;
      const secret = registered.client_secret as string;
      const token = `${listening.url}/token`;
      const issued = server.provider.issued.length;
      const grant = await codeFor(server, listening.url, clientId);

      assertNoToken(await post(token, { ...grant, client_id: clientId }));
      assertNoToken(await post(token, { ...grant, client_id: clientId, client_secret: 'wrong' }));
      assertNoToken(
        await post(token, { ...grant, client_id: clientId, client_secret: secret }),
        'invalid_client',
      );
      const wrongBasic = await post(token, grant, { authorization: basic(clientId, 'wrong') });
      assert.equal(wrongBasic.status, 401);
      assert.match(wrongBasic.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      assertNoToken(wrongBasic);
      assertNoToken(
        await post(token, { grant_type: 'refresh_token', refresh_token: 'x', client_id: clientId }),
      );
      assert.equal(server.provider.issued.length, issued, 'no token was issued');

      // The same code, with the secret, over Basic without client_id in the form: the code was good.
      const ok = await post(token, grant, { authorization: basic(clientId, secret) });
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(typeof ok.json.access_token, 'string');
      const refreshToken = ok.json.refresh_token as string;

      const revoke = `${listening.url}/revoke`;
      assertNoToken(await post(revoke, { token: refreshToken, client_id: clientId }));
      assertNoToken(await post(revoke, { token: refreshToken }, { authorization: basic(clientId, 'wrong') }));
      const refreshed = await post(
        token,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        { authorization: basic(clientId, secret) },
      );
      assert.equal(refreshed.status, 200, 'the failed revocations revoked nothing');
      const revoked = await post(
        revoke,
        { token: refreshed.json.refresh_token as string },
        { authorization: basic(clientId, secret) },
      );
      assert.equal(revoked.status, 200);
    });

    it('takes a POST authorization request, and a form parser the host mounted first', async () => {
      const registered = await registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
      const clientId = registered.client_id as string;
      const authorization = basic(clientId, registered.client_secret as string);
      const grant = await codeFor(server, listening.url, clientId, 'POST');
      const ok = await post(`${listening.url}/token`, grant, { authorization });
      assert.equal(ok.status, 200, JSON.stringify(ok.json));

      const auth = registrarMcpAuth({ registrar: server.registrar, provider: server.provider });
      const base = await otherApp((app) => {
        app.use(express.urlencoded({ extended: false }));
        app.use(auth.router);
      });
      const parsed = await post(`${base}/token`, await codeFor(server, base, clientId, 'POST'), {
        authorization,
      });
      assert.equal(parsed.status, 200, JSON.stringify(parsed.json));
      const wrong = await post(`${base}/token`, await codeFor(server, base, clientId), {
        authorization: basic(clientId, 'wrong'),
      });
      assert.equal(wrong.status, 401);
      assertNoToken(wrong);
    });

    it('refuses a grant type the client did not register for', async () => {
      const registered = await registerClient({
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
      });
      const answer = await post(`${listening.url}/token`, {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: registered.client_id as string,
        client_secret: registered.client_secret as string,
      });
      assert.equal(answer.status, 400);
      assertNoToken(answer, 'unauthorized_client');
    });

    it("answers nothing from the clients store outside the router's requests", async () => {
      const registered = await registerClient({ token_endpoint_auth_method: 'client_secret_basic' });
      const clientId = registered.client_id as string;
      assert.equal((await server.registrar.resolveClient(clientId)).clientId, clientId, 'the client exists');
      const auth = registrarMcpAuth({ registrar: server.registrar, provider: server.provider });
      assert.equal(await auth.provider.clientsStore.getClient(clientId), undefined);
      assert.equal(
        await auth.provider.clientsStore.getClient(`${docs.origin('client.test')}${DOCUMENT_PATH}`),
        undefined,
      );
      assert.equal(auth.provider.clientsStore.registerClient, undefined, "the SDK's registration stays off");
    });

    for (const [wiring, wire] of [
      [
        "the SDK's router with Registrar's clients store and no guard",
        (app: express.Express, auth: ReturnType<typeof registrarMcpAuth>, issuer: URL) => {
          app.use(mcpAuthRouter({ provider: auth.provider, issuerUrl: issuer }));
        },
      ],
      [
        'the guard mounted after the SDK router',
        (app: express.Express, auth: ReturnType<typeof registrarMcpAuth>, issuer: URL) => {
          app.use(mcpAuthRouter({ provider: auth.provider, issuerUrl: issuer }));
          app.use(auth.router);
        },
      ],
    ] as const) {
      it(`${wiring}: every client is invalid_client, with or without its secret`, async () => {
        const registered = await registerClient({ token_endpoint_auth_method: 'client_secret_post' });
        const clientId = registered.client_id as string;
        const secret = registered.client_secret as string;
        const auth = registrarMcpAuth({ registrar: server.registrar, provider: server.provider });
        const base = await otherApp((app) => wire(app, auth, new URL(server.registrar.settings.issuer)));
        const issued = server.provider.issued.length;
        const grant = await codeFor(server, listening.url, clientId);
        const token = `${base}/token`;

        assertNoToken(await post(token, { ...grant, client_id: clientId, client_secret: secret }));
        assertNoToken(await post(token, { ...grant, client_id: clientId }));
        assertNoToken(await post(token, { ...grant, client_id: clientId, client_secret: 'wrong' }));
        assertNoToken(
          await post(token, { ...grant, client_id: clientId }, { authorization: basic(clientId, secret) }),
        );
        // Basic alone: the SDK's own check wants client_id in the form and answers invalid_request.
        assertNoToken(
          await post(token, grant, { authorization: basic(clientId, secret) }),
          'invalid_request',
        );
        const authorize = await fetch(
          `${base}/authorize?client_id=${clientId}&redirect_uri=${REDIRECT_URI}`,
          {
            redirect: 'manual',
          },
        );
        assert.equal(authorize.status, 400);
        assert.equal(((await authorize.json()) as { error: string }).error, 'invalid_client');
        assert.equal(server.provider.issued.length, issued, 'no token was issued');

        const ok = await post(`${listening.url}/token`, {
          ...grant,
          client_id: clientId,
          client_secret: secret,
        });
        assert.equal(ok.status, 200, 'the code was good at the right router');
      });
    }

    it('a second SDK router below one of the guarded endpoints gets no client from their context', async () => {
      const registered = await registerClient({ token_endpoint_auth_method: 'client_secret_post' });
      const clientId = registered.client_id as string;
      const auth = registrarMcpAuth({ registrar: server.registrar, provider: server.provider });
      const issuerUrl = new URL(server.registrar.settings.issuer);
      const base = await otherApp((app) => {
        app.use(auth.router);
        app.use('/authorize', mcpAuthRouter({ provider: auth.provider, issuerUrl }));
        app.use('/token', mcpAuthRouter({ provider: auth.provider, issuerUrl }));
      });
      const issued = server.provider.issued.length;
      for (const path of ['/authorize/token', '/token/token']) {
        const grant = await codeFor(server, listening.url, clientId);
        assertNoToken(await post(`${base}${path}`, { ...grant, client_id: clientId }));
      }
      assert.equal(server.provider.issued.length, issued, 'no token was issued');
    });
  });
}

describe('registrarMcpAuth refuses a wiring it cannot make safe', () => {
  const base = {
    issuer: 'http://127.0.0.1:4999',
    registrationEnabled: true,
    registration: createMemoryStore(),
    grantTypesSupported: ['authorization_code', 'refresh_token'],
  };

  it('a provider with its own clients store', () => {
    const provider = Object.assign(new DemoAuthProvider(base.issuer), {
      clientsStore: { getClient: () => undefined },
    });
    assert.throws(
      () => registrarMcpAuth({ registrar: createRegistrar(base), provider }),
      (error) => error instanceof ConfigurationError && /clientsStore/.test(error.message),
    );
  });

  it('grant types the SDK cannot serve, such as the default client_credentials', () => {
    const { grantTypesSupported: _, ...defaults } = base;
    assert.throws(
      () =>
        registrarMcpAuth({
          registrar: createRegistrar(defaults),
          provider: new DemoAuthProvider(base.issuer),
        }),
      (error) => error instanceof ConfigurationError && /client_credentials/.test(error.message),
    );
  });

  it('a token endpoint other than the one the SDK serves', () => {
    const registrar = createRegistrar({ ...base, tokenEndpoint: 'http://127.0.0.1:4999/oauth/token' });
    assert.throws(
      () => registrarMcpAuth({ registrar, provider: new DemoAuthProvider(base.issuer) }),
      (error) => error instanceof ConfigurationError && /tokenEndpoint/.test(error.message),
    );
  });
});
