// authenticateClient (docs/client-authentication.md#client-authentication-at-your-token-endpoint, RFC 6749 §2.3, RFC 7523 §3) against clients
// registered over real HTTP, and matchRedirectUri (RFC 8252 §7.3).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { nodeCrypto } from '../../src/adapters/node.js';
import { hashCredential } from '../../src/core/credentials/credentials.js';
import { RegistrationError } from '../../src/core/errors.js';
import { matchRedirectUri } from '../../src/core/host/match-redirect-uri.js';
import { errorHeaders } from '../../src/http/error-response.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { type KeyServer, keyPair, startKeyServer, type TestKeyPair } from '../helpers/key-server.js';
import { rejectionOf } from '../helpers/rejection.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** RFC 6749 §2.3.1: each part form-encoded, then joined and base64-encoded. */
function basic(
  clientId: string,
  secret: string,
  encode = (value: string) => encodeURIComponent(value),
): string {
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

function percentEncodeAll(value: string): string {
  return [...Buffer.from(value)]
    .map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`)
    .join('');
}

function tokenRequest(
  issuer: string,
  form: Record<string, string> | string,
  headers: Record<string, string> = {},
) {
  return new Request(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body:
      typeof form === 'string' ? form : new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  });
}

const refusal = (promise: Promise<unknown>) => rejectionOf(promise, RegistrationError);

describe('authenticateClient', () => {
  let server: TestServer;
  let keys: KeyServer;
  let clientKey: TestKeyPair;
  let otherKey: TestKeyPair;
  const store = recordingStore(createMemoryStore());
  const memory = store as unknown as ReturnType<typeof createMemoryStore>;
  let clock = Date.now();
  const logger = memoryLogger();
  const clients: Record<string, Record<string, unknown>> = {};

  function assertion(
    clientId: string,
    overrides: { aud?: string; iss?: string; sub?: string; jti?: string | null; exp?: number | null } = {},
    key: TestKeyPair = clientKey,
  ): Promise<string> {
    const now = Math.floor(clock / 1000);
    const claims: Record<string, unknown> = {
      iss: overrides.iss ?? clientId,
      sub: overrides.sub ?? clientId,
      aud: overrides.aud ?? server.url,
      iat: now,
    };
    if (overrides.jti !== null) claims.jti = overrides.jti ?? crypto.randomUUID();
    if (overrides.exp !== null) claims.exp = overrides.exp ?? now + 60;
    return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
  }

  const authenticate = (form: Record<string, string> | string, headers: Record<string, string> = {}) =>
    server.registrar.authenticateClient(tokenRequest(server.url, form, headers));

  before(async () => {
    [clientKey, otherKey] = await Promise.all([keyPair('ES256'), keyPair('ES256')]);
    keys = await startKeyServer();
    keys.publish('/client/jwks.json', { keys: [clientKey.publicJwk] });
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      now: () => clock,
      logger,
      clientSecretTtl: 3600,
      fetch: keys.fetchOptions,
    });
    const machine = { grant_types: ['client_credentials'] };
    const registrations: Record<string, Record<string, unknown>> = {
      basic: machine,
      post: { ...machine, token_endpoint_auth_method: 'client_secret_post' },
      public: { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' },
      jwt: {
        ...machine,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [clientKey.publicJwk] },
      },
      jwtUri: {
        ...machine,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${keys.origin('client.test')}/client/jwks.json`,
      },
    };
    for (const [name, body] of Object.entries(registrations)) {
      const { status, json } = await register(server.url, body);
      assert.equal(status, 201, JSON.stringify(json));
      clients[name] = json;
    }
  });
  after(async () => {
    await server.close();
    await keys.close();
  });

  const id = (name: string) => clients[name]?.client_id as string;
  const secret = (name: string) => clients[name]?.client_secret as string;

  it('accepts client_secret_basic and renews last_used_at', async () => {
    clock += 10_000;
    const result = await authenticate({}, { authorization: basic(id('basic'), secret('basic')) });
    assert.equal(result.clientId, id('basic'));
    assert.equal(result.method, 'client_secret_basic');
    assert.equal(result.registration.client_id, id('basic'));
    assert.equal((await memory.loadClient(id('basic')))?.last_used_at, Math.floor(clock / 1000));
  });

  it('form-decodes the Basic credentials (RFC 6749 §2.3.1)', async () => {
    const result = await authenticate(
      {},
      { authorization: basic(id('basic'), secret('basic'), percentEncodeAll) },
    );
    assert.equal(result.clientId, id('basic'));
    const clientId = 'tenant:client with spaces+plus';
    const password = 'p@ss:word +/%é';
    await memory.registerClient({
      client_id: clientId,
      client_id_issued_at: Math.floor(clock / 1000),
      client_secret_hash: await hashCredential(nodeCrypto, password),
      client_secret_expires_at: 0,
      metadata: { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
    });
    const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    const decoded = await authenticate({}, { authorization: basic(clientId, password, formEncode) });
    assert.equal(decoded.clientId, clientId);
    const raw = await refusal(
      authenticate({}, { authorization: basic(clientId, password, (value) => value) }),
    );
    assert.equal(raw.code, 'invalid_client', 'unencoded credentials with a colon in the id do not match');
  });

  it('answers a wrong secret and an unknown client alike: 401 invalid_client with a Basic challenge', async () => {
    const wrong = await refusal(authenticate({}, { authorization: basic(id('basic'), 'wrong') }));
    const unknown = await refusal(authenticate({}, { authorization: basic('no-such-client', 'wrong') }));
    for (const error of [wrong, unknown]) {
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_client');
      assert.match(errorHeaders(error)['www-authenticate'] ?? '', /^Basic realm="/);
    }
    assert.equal(wrong.description, unknown.description);
    const malformed = await refusal(authenticate({}, { authorization: 'Basic !!!' }));
    assert.equal(malformed.code, 'invalid_client');
    assert.match(errorHeaders(malformed)['www-authenticate'] ?? '', /^Basic/);
  });

  it('accepts client_secret_post, and only for a client registered with it', async () => {
    const result = await authenticate({ client_id: id('post'), client_secret: secret('post') });
    assert.equal(result.method, 'client_secret_post');
    const mismatch = await refusal(authenticate({ client_id: id('basic'), client_secret: secret('basic') }));
    assert.equal(mismatch.code, 'invalid_client');
    assert.equal(
      errorHeaders(mismatch)['www-authenticate'],
      undefined,
      'no Basic challenge when Basic was not tried',
    );
    const viaBasic = await refusal(authenticate({}, { authorization: basic(id('post'), secret('post')) }));
    assert.equal(viaBasic.code, 'invalid_client');
  });

  it('accepts none for a public client only', async () => {
    const result = await authenticate({ client_id: id('public') });
    assert.equal(result.method, 'none');
    assert.equal((await refusal(authenticate({ client_id: id('basic') }))).code, 'invalid_client');
    assert.equal((await refusal(authenticate({}))).code, 'invalid_client', 'no client at all');
  });

  it('refuses more than one method, and repeated parameters, as invalid_request', async () => {
    const twoMethods = await refusal(
      authenticate(
        { client_id: id('basic'), client_secret: secret('basic') },
        { authorization: basic(id('basic'), secret('basic')) },
      ),
    );
    assert.equal(twoMethods.status, 400);
    assert.equal(twoMethods.code, 'invalid_request');
    const secretAndAssertion = await refusal(
      authenticate({
        client_id: id('jwt'),
        client_secret: 'x',
        client_assertion_type: JWT_BEARER,
        client_assertion: await assertion(id('jwt')),
      }),
    );
    assert.equal(secretAndAssertion.code, 'invalid_request');
    const repeated = await refusal(
      authenticate(`grant_type=client_credentials&client_id=${id('public')}&client_id=${id('public')}`),
    );
    assert.equal(repeated.code, 'invalid_request');
  });

  it('refuses a client_id parameter that differs from the Basic credentials', async () => {
    const error = await refusal(
      authenticate({ client_id: id('post') }, { authorization: basic(id('basic'), secret('basic')) }),
    );
    assert.equal(error.code, 'invalid_client');
  });

  it('honours client_secret_expires_at', async () => {
    const saved = clock;
    clock += 3601_000;
    try {
      const error = await refusal(authenticate({}, { authorization: basic(id('basic'), secret('basic')) }));
      assert.equal(error.code, 'invalid_client');
    } finally {
      clock = saved;
    }
  });

  it('accepts a private_key_jwt assertion for the issuer or the token endpoint', async () => {
    for (const aud of [server.url, `${server.url}/token`]) {
      const result = await authenticate({
        client_assertion_type: JWT_BEARER,
        client_assertion: await assertion(id('jwt'), { aud }),
      });
      assert.equal(result.clientId, id('jwt'));
      assert.equal(result.method, 'private_key_jwt');
    }
  });

  it('refuses a replayed jti', async () => {
    const jwt = await assertion(id('jwt'));
    await authenticate({ client_assertion_type: JWT_BEARER, client_assertion: jwt, client_id: id('jwt') });
    const replay = await refusal(authenticate({ client_assertion_type: JWT_BEARER, client_assertion: jwt }));
    assert.equal(replay.code, 'invalid_client');
  });

  it('refuses assertions that break RFC 7523 §3', async () => {
    const now = Math.floor(clock / 1000);
    const cases: Record<string, () => Promise<string>> = {
      'another audience': () => assertion(id('jwt'), { aud: 'https://other-server.example' }),
      'iss other than the client': () => assertion(id('jwt'), { iss: id('basic') }),
      'sub other than the client': () => assertion(id('jwt'), { sub: id('basic') }),
      'no exp': () => assertion(id('jwt'), { exp: null }),
      'no jti': () => assertion(id('jwt'), { jti: null }),
      expired: () => assertion(id('jwt'), { exp: now - 5 }),
      'an exp more than an hour away': () => assertion(id('jwt'), { exp: now + 7200 }),
      'a key the client did not register': () => assertion(id('jwt'), {}, otherKey),
      'a wrong assertion type': async () => 'unused',
    };
    for (const [name, make] of Object.entries(cases)) {
      const form: Record<string, string> = {
        client_id: id('jwt'),
        client_assertion_type: name === 'a wrong assertion type' ? 'urn:example:other' : JWT_BEARER,
        client_assertion: name === 'a wrong assertion type' ? await assertion(id('jwt')) : await make(),
      };
      const error = await refusal(authenticate(form));
      assert.equal(error.code, 'invalid_client', name);
      assert.equal(error.status, 401, name);
    }
    const forOther = await refusal(
      authenticate({
        client_id: id('basic'),
        client_assertion_type: JWT_BEARER,
        client_assertion: await assertion(id('jwt')),
      }),
    );
    assert.equal(forOther.code, 'invalid_client', "one client's assertion does not authenticate another");
  });

  it('verifies against a jwks_uri fetched through the safe fetcher, once', async () => {
    const before = keys.hits.get('/client/jwks.json') ?? 0;
    for (let i = 0; i < 2; i++) {
      const result = await authenticate({
        client_assertion_type: JWT_BEARER,
        client_assertion: await assertion(id('jwtUri')),
      });
      assert.equal(result.clientId, id('jwtUri'));
    }
    assert.equal((keys.hits.get('/client/jwks.json') ?? 0) - before, 1);
  });

  it('does not renew last_used_at on a failure', async () => {
    const touches = () => store.calls.filter((call) => call.name === 'touchClient').length;
    const before = touches();
    await refusal(authenticate({}, { authorization: basic(id('basic'), 'wrong') }));
    await refusal(authenticate({ client_id: id('basic') }));
    assert.equal(touches(), before);
  });

  it('takes a request the host already parsed, and leaves a Web request body readable', async () => {
    const parsed = await server.registrar.authenticateClient({
      headers: { Authorization: basic(id('basic'), secret('basic')) },
      body: 'grant_type=client_credentials',
    });
    assert.equal(parsed.clientId, id('basic'));
    const fromParser = await server.registrar.authenticateClient({
      headers: {},
      body: { grant_type: 'client_credentials', client_id: id('post'), client_secret: secret('post') },
    });
    assert.equal(fromParser.method, 'client_secret_post');
    const repeated = await refusal(
      server.registrar.authenticateClient({ headers: {}, body: { client_id: [id('public'), id('public')] } }),
    );
    assert.equal(repeated.code, 'invalid_request', 'a parser array is a repeated parameter');
    const request = tokenRequest(server.url, { client_id: id('post'), client_secret: secret('post') });
    await server.registrar.authenticateClient(request);
    assert.equal(new URLSearchParams(await request.text()).get('grant_type'), 'client_credentials');
  });

  it('reads credentials from a form body only', async () => {
    const request = new Request(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: id('post'), client_secret: secret('post') }),
    });
    assert.equal((await refusal(server.registrar.authenticateClient(request))).code, 'invalid_client');
  });

  it('never logs a presented secret', () => {
    const logged = JSON.stringify(logger.records);
    for (const name of Object.keys(clients)) {
      if (secret(name)) assert.ok(!logged.includes(secret(name)));
    }
    assert.ok(!logged.includes('p@ss:word'));
  });
});

describe('matchRedirectUri', () => {
  const client = {
    redirect_uris: [
      'https://client.example.org/cb?x=1',
      'http://127.0.0.1/callback',
      'http://[::1]:8080/cb',
      'http://localhost:3000/cb',
      'com.example.app:/oauth2redirect',
    ],
  };

  it('matches registered URIs exactly', () => {
    assert.ok(matchRedirectUri(client, 'https://client.example.org/cb?x=1'));
    assert.ok(matchRedirectUri({ metadata: client } as never, 'com.example.app:/oauth2redirect'));
    for (const requested of [
      'https://client.example.org/cb',
      'https://client.example.org/cb?x=1&y=2',
      'https://CLIENT.example.org/cb?x=1',
      'https://client.example.org:443/cb?x=1',
      'https://client.example.org/cb?x=1#f',
      'com.example.app:/oauth2redirect/extra',
    ]) {
      assert.equal(matchRedirectUri(client, requested), false, requested);
    }
  });

  it('accepts any port on a loopback redirect URI (RFC 8252 §7.3), and nothing else', () => {
    for (const requested of [
      'http://127.0.0.1:49152/callback',
      'http://127.0.0.1/callback',
      'http://[::1]:1234/cb',
      'http://[::1]/cb',
      'http://localhost:51000/cb',
    ]) {
      assert.ok(matchRedirectUri(client, requested), requested);
    }
    for (const requested of [
      'http://127.0.0.1:49152/other',
      'http://127.0.0.2:49152/callback',
      'https://127.0.0.1:49152/callback',
      'http://127.0.0.1:49152/callback?extra=1',
      'http://localhost.evil.example:3000/cb',
    ]) {
      assert.equal(matchRedirectUri(client, requested), false, requested);
    }
  });
});

describe('authenticateClient on a store without consumeOnce', () => {
  it('fails closed for private_key_jwt with invalid_client, and logs why', async () => {
    const key = await keyPair('ES256');
    const memory = createMemoryStore();
    const { consumeOnce: _unused, ...withoutReplayRecord } = memory;
    const logger = memoryLogger();
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: withoutReplayRecord,
      logger,
    });
    try {
      const { json } = await register(server.url, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      const clientId = json.client_id as string;
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: server.url,
        jti: 'j1',
        iat: now,
        exp: now + 60,
      })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .sign(key.privateKey);
      const error = await refusal(
        server.registrar.authenticateClient(
          tokenRequest(server.url, { client_assertion_type: JWT_BEARER, client_assertion: jwt }),
        ),
      );
      assert.equal(error.code, 'invalid_client');
      assert.equal(error.status, 401);
      assert.ok(logger.records.some((record) => String(record.msg).includes('consumeOnce')));
    } finally {
      await server.close();
    }
  });
});
