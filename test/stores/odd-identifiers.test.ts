// services: postgres
// Identifiers a client chooses (the management path's client id, the token request's client_id,
// Basic user and assertion subject, the assertion's jti, resolveClient's argument) that are too
// long, hold NUL or are not well-formed Unicode: the ordinary 401 before any store call, on the
// memory, SQLite and PostgreSQL stores alike, and never a 5xx. Tokens reach a store only hashed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { RegistrationError } from '../../src/core/errors.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { MAX_CLIENT_ID_LENGTH, MAX_JTI_LENGTH } from '../../src/core/store/identifiers.js';
import { type OpenedStore, openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GOOD_PUBLIC = { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' };

const ODD_CLIENT_IDS: Record<string, string> = {
  NUL: 'abc\u0000def',
  'a lone surrogate': 'abc\uD800',
  [`${MAX_CLIENT_ID_LENGTH + 1} characters`]: 'a'.repeat(MAX_CLIENT_ID_LENGTH + 1),
};

function tokenRequest(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  });
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a refusal');
}

for (const kind of STORE_KINDS) {
  describe(`odd identifiers on the ${kind} store`, () => {
    let opened: OpenedStore;
    let store: ReturnType<typeof recordingStore>;
    let server: TestServer;
    let key: TestKeyPair;
    let jwtClient: Record<string, unknown>;

    before(async () => {
      opened = await openStore(kind);
      store = recordingStore(opened.store);
      key = await keyPair('ES256');
      server = await startRegistrar({ registrationEnabled: true, registration: store });
      const created = await register(server.url, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      jwtClient = created.json;
    });
    after(async () => {
      await server.close();
      await opened.close();
    });

    /** Runs `action` and answers which store callbacks it called. */
    async function storeCalls(action: () => Promise<unknown>): Promise<string[]> {
      const from = store.calls.length;
      await action();
      return store.calls.slice(from).map((call) => call.name);
    }

    const assertion = (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000);
      const clientId = jwtClient.client_id as string;
      return new SignJWT({
        iss: clientId,
        sub: clientId,
        aud: server.url,
        iat: now,
        exp: now + 60,
        ...claims,
      })
        .setProtectedHeader({ alg: key.alg, kid: key.kid })
        .sign(key.privateKey);
    };

    it('answers 401 invalid_token to management of an odd client id, without asking the store', async () => {
      // A path cannot carry a lone surrogate: percent-decoding answers U+FFFD or fails.
      const paths = [
        '%00',
        'abc%00def',
        'a'.repeat(MAX_CLIENT_ID_LENGTH + 1),
        `%C3%A9${'a'.repeat(MAX_CLIENT_ID_LENGTH)}`,
      ];
      for (const path of paths) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const calls = await storeCalls(async () => {
            const response = await fetch(`${server.url}/oauth/register/${path}`, {
              method,
              headers: { authorization: 'Bearer any-token', 'content-type': 'application/json' },
              ...(method === 'PUT' ? { body: '{}' } : {}),
            });
            assert.equal(response.status, 401, `${method} ${path.slice(0, 20)}`);
            assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
          });
          assert.deepEqual(calls, [], `${method} ${path.slice(0, 20)} reached the store`);
        }
      }
    });

    it('looks up a client id of exactly the longest length', async () => {
      const calls = await storeCalls(async () => {
        const response = await fetch(`${server.url}/oauth/register/${'a'.repeat(MAX_CLIENT_ID_LENGTH)}`, {
          headers: { authorization: 'Bearer any-token' },
        });
        assert.equal(response.status, 401);
      });
      assert.deepEqual(calls, ['loadClientWithRegistration']);
    });

    it('answers invalid_client to a token request with an odd client_id, Basic user or assertion subject', async () => {
      for (const [name, clientId] of Object.entries(ODD_CLIENT_IDS)) {
        const requests: [string, Request][] = [
          [
            'assertion subject',
            tokenRequest(server.url, {
              client_assertion_type: JWT_BEARER,
              client_assertion: await assertion({ iss: clientId, sub: clientId }),
            }),
          ],
        ];
        // A form value or Basic credentials cannot carry a lone surrogate: decoding answers U+FFFD.
        if (!clientId.includes('\uD800')) {
          const basic = Buffer.from(`${encodeURIComponent(clientId)}:secret`).toString('base64');
          requests.push(
            ['client_id', tokenRequest(server.url, { client_id: clientId })],
            ['client_secret_post', tokenRequest(server.url, { client_id: clientId, client_secret: 'x' })],
            ['Basic', tokenRequest(server.url, {}, { authorization: `Basic ${basic}` })],
          );
        }
        for (const [how, request] of requests) {
          const calls = await storeCalls(async () => {
            const error = await refusal(server.registrar.authenticateClient(request));
            assert.ok(error instanceof RegistrationError, `${name} by ${how}: ${String(error)}`);
            assert.equal(error.status, 401, `${name} by ${how}`);
            assert.equal(error.code, 'invalid_client', `${name} by ${how}`);
          });
          assert.deepEqual(calls, [], `${name} by ${how} reached the store`);
        }
      }
    });

    it('answers invalid_client to an assertion whose jti is odd, before recording it', async () => {
      const jtis: Record<string, string> = {
        NUL: `${randomBytes(8).toString('hex')}\u0000`,
        'a lone surrogate': `${randomBytes(8).toString('hex')}\uDC00`,
        [`${MAX_JTI_LENGTH + 1} characters`]: randomBytes(MAX_JTI_LENGTH)
          .toString('base64url')
          .slice(0, MAX_JTI_LENGTH + 1),
      };
      for (const [name, jti] of Object.entries(jtis)) {
        const request = tokenRequest(server.url, {
          client_assertion_type: JWT_BEARER,
          client_assertion: await assertion({ jti }),
        });
        const calls = await storeCalls(async () => {
          const error = await refusal(server.registrar.authenticateClient(request));
          assert.ok(error instanceof RegistrationError, `${name}: ${String(error)}`);
          assert.equal(error.status, 401, name);
          assert.equal(error.code, 'invalid_client', name);
        });
        assert.ok(!calls.includes('consumeOnce'), `${name} reached consumeOnce`);
      }
    });

    it('records a jti of exactly the longest length once, and refuses its replay', async () => {
      const jti = `${'\u{1F600}'.repeat(256)}${randomBytes(384).toString('base64url')}`;
      assert.equal(jti.length, MAX_JTI_LENGTH);
      const signed = await assertion({ jti });
      const send = () =>
        server.registrar.authenticateClient(
          tokenRequest(server.url, { client_assertion_type: JWT_BEARER, client_assertion: signed }),
        );
      assert.equal((await send()).clientId, jwtClient.client_id);
      const replay = await refusal(send());
      assert.ok(replay instanceof RegistrationError);
      assert.equal(replay.code, 'invalid_client');
    });

    it('answers 401 invalid_token to a very long initial access token, looked up only by its hash', async () => {
      const gated = await startRegistrar({
        registrationEnabled: true,
        registration: store,
        initialAccessToken: { stored: true },
      });
      try {
        const from = store.calls.length;
        const { status, json } = await register(gated.url, GOOD_PUBLIC, {
          headers: { authorization: `Bearer ${randomBytes(7500).toString('base64url')}` },
        });
        assert.equal(status, 401);
        assert.equal(json.error, 'invalid_token');
        const lookups = store.calls.slice(from).filter((call) => call.name === 'findInitialAccessToken');
        assert.equal(lookups.length, 1);
        assert.match(lookups[0]?.args[0] as string, /^sha256:[A-Za-z0-9_-]{43}$/);
      } finally {
        await gated.close();
      }
    });

    it('resolves an odd client id to unknown_client without asking the store', async () => {
      for (const [name, clientId] of Object.entries(ODD_CLIENT_IDS)) {
        const calls = await storeCalls(async () => {
          const error = await refusal(server.registrar.resolveClient(clientId));
          assert.ok(error instanceof ClientResolutionError, `${name}: ${String(error)}`);
          assert.equal(error.code, 'unknown_client', name);
        });
        assert.deepEqual(calls, [], `${name} reached the store`);
      }
    });
  });
}
