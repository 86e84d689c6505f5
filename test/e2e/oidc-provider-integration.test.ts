// registrar/oidc-provider (docs/oidc-provider.md) through examples/oidc-provider.ts, over real HTTP
// on loopback: openid-client discovers the provider, registers through Registrar (RFC 7591) or
// names a Client ID Metadata Document served over HTTPS, and logs in with authorization code and
// PKCE. A confidential client authenticates with private_key_jwt; without its key it gets
// invalid_client. No client with a secret can exist on the mount, however it is wired.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as openid from 'openid-client';
import { createDemo, DemoAdapter } from '../../examples/oidc-provider.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { createOidcProviderRegistrar } from '../../src/integrations/oidc-provider.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register } from '../helpers/http.js';
import { type Listening, listenOnLoopback } from '../helpers/listen.js';
import { followLogin } from '../helpers/oidc-login.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
} from '../helpers/tls.js';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const insecure = { execute: [openid.allowInsecureRequests] };

/** Authorization code with PKCE through the demo login; answers the code's callback URL and verifier. */
async function authorize(
  config: openid.Configuration,
): Promise<{ callback: URL; verifier: string; state: string }> {
  const verifier = openid.randomPKCECodeVerifier();
  const state = openid.randomState();
  const url = openid.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await openid.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  return { callback: await followLogin(url, REDIRECT_URI), verifier, state };
}

async function login(config: openid.Configuration) {
  const { callback, verifier, state } = await authorize(config);
  return openid.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
}

async function tokenRequest(
  issuer: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256', use: 'sig' } };
}

describe('oidc-provider integration', () => {
  let http: Listening;
  let docs: HttpsTestServer;
  let demo: ReturnType<typeof createDemo>;
  let issuer: string;
  const documents = new Map<string, unknown>();

  before(async () => {
    docs = await startHttpsServer((req, res) => {
      const document = documents.get(req.url ?? '');
      res.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(document ?? {}));
    });
    http = await listenOnLoopback();
    issuer = http.url;
    demo = createDemo({ issuer, fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1' })) });
    http.server.on('request', demo.handler);
  });
  after(async () => {
    await http.close();
    await docs.close();
  });

  it("publishes Registrar's registration endpoint in the provider's discovery, and only the methods it can check", async () => {
    const config = await openid.discovery(new URL(issuer), 'unregistered', undefined, undefined, insecure);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, issuer);
    assert.equal(metadata.registration_endpoint, `${issuer}/oauth/register`);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['private_key_jwt', 'none']);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.deepEqual(demo.registrar.metadata().token_endpoint_auth_methods_supported, [
      'private_key_jwt',
      'none',
    ]);
  });

  it('logs a public client in: dynamic registration through Registrar, authorization code with PKCE, tokens', async () => {
    const config = await openid.dynamicClientRegistration(
      new URL(issuer),
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', client_name: 'public' },
      openid.None(),
      insecure,
    );
    const { client_id: clientId } = config.clientMetadata();
    assert.equal((await demo.registrar.resolveClient(clientId)).source, 'registration');
    const tokens = await login(config);
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(tokens.claims()?.sub, 'demo-user');
    assert.equal(tokens.claims()?.aud, clientId);
  });

  it('logs a private_key_jwt client in, and answers invalid_client without its key or with another key', async () => {
    const { privateKey, publicJwk } = await keyPair();
    const registered = await openid.dynamicClientRegistration(
      new URL(issuer),
      {
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [publicJwk] },
      },
      openid.PrivateKeyJwt(privateKey),
      insecure,
    );
    const clientId = registered.clientMetadata().client_id;
    assert.equal(registered.clientMetadata().client_secret, undefined);
    const { callback, verifier } = await authorize(registered);
    const code = callback.searchParams.get('code') as string;
    const grant = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };

    const missing = await tokenRequest(issuer, { ...grant, client_id: clientId });
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error, 'invalid_client');

    const other = await keyPair();
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(other.privateKey);
    const wrongKey = await tokenRequest(issuer, {
      ...grant,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: forged,
    });
    assert.equal(wrongKey.status, 401);
    assert.equal(wrongKey.json.error, 'invalid_client');

    const basic = await tokenRequest(issuer, grant, {
      authorization: `Basic ${Buffer.from(`${clientId}:guessed`).toString('base64')}`,
    });
    assert.equal(basic.status, 401);
    assert.equal(basic.json.error, 'invalid_client');

    // The code survived the refused requests: the client's own assertion redeems it.
    const tokens = await openid.authorizationCodeGrant(registered, callback, {
      pkceCodeVerifier: verifier,
      expectedState: openid.skipStateCheck,
    });
    assert.equal(tokens.claims()?.sub, 'demo-user');
  });

  it('logs in a client named by a Client ID Metadata Document served over HTTPS', async () => {
    const clientId = `https://client.test:${docs.port}/oauth/client.json`;
    documents.set('/oauth/client.json', {
      client_id: clientId,
      client_name: 'Metadata document client',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    });
    const discovered = await openid.discovery(new URL(issuer), clientId, undefined, openid.None(), insecure);
    const tokens = await login(discovered);
    assert.equal(tokens.claims()?.aud, clientId);
    const resolved = await demo.registrar.resolveClient(clientId);
    assert.equal(resolved.source, 'metadata_document');
  });

  it("shows the provider's own error for a metadata document its schema refuses on load", async () => {
    const clientId = `https://client.test:${docs.port}/oauth/bad-contacts.json`;
    documents.set('/oauth/bad-contacts.json', {
      client_id: clientId,
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      contacts: ['not an address'],
    });
    assert.equal((await demo.registrar.resolveClient(clientId)).source, 'metadata_document');
    const authorization = new URL(`${issuer}/auth`);
    authorization.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(authorization, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null, 'nothing is sent to the redirect URI');
    const page = await response.text();
    assert.match(page, /invalid_client_metadata/);
    assert.match(page, /contacts can only contain email addresses/);
  });

  it('refuses every shared-secret method at registration and on update, naming the reason', async () => {
    for (const metadata of [
      { token_endpoint_auth_method: 'client_secret_basic' },
      { token_endpoint_auth_method: 'client_secret_post' },
      { token_endpoint_auth_method: 'client_secret_jwt' },
      {}, // RFC 7591 §2: no method means client_secret_basic
    ]) {
      const { status, json } = await register(issuer, { redirect_uris: [REDIRECT_URI], ...metadata });
      assert.equal(status, 400, JSON.stringify(metadata));
      assert.equal(json.error, 'invalid_client_metadata');
      assert.match(
        json.error_description as string,
        /^token_endpoint_auth_method 'client_secret_\w+' uses a client secret, which this server does not issue: its token endpoint \(oidc-provider\) compares secrets in plaintext and Registrar keeps only their hashes\./,
      );
    }
    const offered = await register(issuer, {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    });
    assert.equal(offered.status, 201);
    assert.equal(
      offered.json.token_endpoint_auth_method,
      'none',
      'the method the provider can check is chosen',
    );
    assert.equal(offered.json.client_secret, undefined);

    const update = await fetch(offered.json.registration_client_uri as string, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${offered.json.registration_access_token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        client_id: offered.json.client_id,
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    assert.equal(update.status, 400);
    assert.match(((await update.json()) as { error_description: string }).error_description, /plaintext/);
  });

  it('never lets a client with a secret onto the mount, even one another Registrar put in the same store', async () => {
    const store = createMemoryStore();
    const mount = createOidcProviderRegistrar({
      registrar: { issuer, registrationEnabled: true, registration: store },
      provider: { adapter: DemoAdapter },
    });
    // A Registrar over the same store, without the integration, registers a secret client.
    const plain = createRegistrar({ issuer, registrationEnabled: true, registration: store });
    const response = await plain.fetch(
      new Request(`${issuer}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_basic',
        }),
      }),
      { remoteAddress: '127.0.0.1' },
    );
    const secretClient = (await response.json()) as { client_id: string; client_secret: string };
    assert.equal(response.status, 201);
    assert.equal(typeof secretClient.client_secret, 'string');
    assert.equal((await mount.registrar.resolveClient(secretClient.client_id)).source, 'registration');
    assert.equal(
      await mount.provider.Client.find(secretClient.client_id),
      undefined,
      'the provider never sees it',
    );

    const publicClient = await mount.registrar.fetch(
      new Request(`${issuer}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' }),
      }),
      { remoteAddress: '127.0.0.1' },
    );
    const { client_id: publicId } = (await publicClient.json()) as { client_id: string };
    const loaded = await mount.provider.Client.find(publicId);
    assert.ok(loaded);
    assert.equal(loaded.clientSecret, undefined);
    assert.ok(!('client_secret' in loaded.metadata()));
  });

  it('refuses a private-use redirect scheme without a dot, which the provider would not load', async () => {
    const dotless = await register(issuer, {
      redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/callback'],
      token_endpoint_auth_method: 'none',
    });
    assert.deepEqual(
      { status: dotless.status, json: dotless.json },
      {
        status: 400,
        json: {
          error: 'invalid_redirect_uri',
          error_description:
            "An entry of redirect_uris uses the scheme 'cursor', which is neither https nor a reverse-domain private-use scheme.",
        },
      },
    );

    const reverseDomain = await register(issuer, {
      redirect_uris: ['com.example.app:/oauth/callback'],
      token_endpoint_auth_method: 'none',
    });
    assert.equal(reverseDomain.status, 201);
    const client = await demo.provider.Client.find(reverseDomain.json.client_id as string);
    assert.ok(client?.redirectUriAllowed('com.example.app:/oauth/callback'));
  });

  it("refuses at registration what the provider's schema would refuse on load, with the provider's reason", async () => {
    const mount = createOidcProviderRegistrar({
      registrar: { issuer, registrationEnabled: true, registration: createMemoryStore() },
      provider: { adapter: DemoAdapter },
    });
    const response = await mount.registrar.fetch(
      new Request(`${issuer}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none',
          scope: 'openid profile',
        }),
      }),
      { remoteAddress: '127.0.0.1' },
    );
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: 'invalid_client_metadata',
      error_description:
        'oidc-provider refuses this client: scope must only contain Authorization Server supported scope values',
    });
  });

  it('forgets a client Registrar deletes: the store is the only registry', async () => {
    const { json } = await register(issuer, {
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
    });
    assert.ok(await demo.provider.Client.find(json.client_id as string));
    const deleted = await fetch(json.registration_client_uri as string, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${json.registration_access_token}` },
    });
    assert.equal(deleted.status, 204);
    assert.equal(await demo.provider.Client.find(json.client_id as string), undefined);
  });

  it('refuses at construction a configuration under which a secret client or a second registry could exist', () => {
    const registrar = { issuer, registrationEnabled: true, registration: createMemoryStore() };
    const provider = { adapter: DemoAdapter };
    const cases: [string, () => unknown][] = [
      [
        'tokenEndpointAuthMethodsSupported may hold only private_key_jwt and none, not client_secret_basic',
        () =>
          createOidcProviderRegistrar({
            registrar: { ...registrar, tokenEndpointAuthMethodsSupported: ['none', 'client_secret_basic'] },
            provider,
          }),
      ],
      [
        'clientAuthMethods may hold only private_key_jwt and none, not client_secret_post',
        () =>
          createOidcProviderRegistrar({
            registrar,
            provider: { ...provider, clientAuthMethods: ['client_secret_post'] },
          }),
      ],
      [
        'features.registration must be off',
        () =>
          createOidcProviderRegistrar({
            registrar,
            provider: { ...provider, features: { registration: { enabled: true } } },
          }),
      ],
      [
        'clients must be empty',
        () =>
          createOidcProviderRegistrar({
            registrar,
            provider: { ...provider, clients: [{ client_id: 'static', redirect_uris: [REDIRECT_URI] }] },
          }),
      ],
      [
        'privateUseSchemes must admit only schemes with a dot',
        () =>
          createOidcProviderRegistrar({ registrar: { ...registrar, privateUseSchemes: 'any' }, provider }),
      ],
      [
        'privateUseSchemes must admit only schemes with a dot',
        () =>
          createOidcProviderRegistrar({
            registrar: { ...registrar, privateUseSchemes: ['cursor'] },
            provider,
          }),
      ],
      [
        'discoveryEnabled must be off',
        () => createOidcProviderRegistrar({ registrar: { ...registrar, discoveryEnabled: true }, provider }),
      ],
      [
        'activationWindow cannot be used',
        () => createOidcProviderRegistrar({ registrar: { ...registrar, activationWindow: '1h' }, provider }),
      ],
      [
        'statelessRegistration cannot be used',
        () =>
          createOidcProviderRegistrar({
            registrar: {
              ...registrar,
              statelessRegistration: { keys: [{ kid: 'k', secret: randomBytes(32).toString('base64url') }] },
            },
            provider,
          }),
      ],
    ];
    for (const [message, build] of cases) {
      assert.throws(build, (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.ok(error.message.includes(message), error.message);
        return true;
      });
    }
  });
});
