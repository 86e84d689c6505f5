// Form values that are not strings at the host's token endpoint: behind
// express.urlencoded({ extended: true }) (nested objects and arrays from bracketed names), and
// passed to authenticateClient directly (numbers, null, objects, nested arrays), every one is a
// RegistrationError with 401 invalid_client, never another kind of throw.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { toExpressMiddleware } from '../../src/adapters/express.js';
import { nodeCrypto } from '../../src/adapters/node.js';
import { RegistrationError } from '../../src/core/errors.js';
import { errorHeaders } from '../../src/http/error-response.js';
import type { TokenRequest } from '../../src/http/token-request.js';
import { createRegistrar, type Registrar } from '../../src/registrar.js';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, register } from '../helpers/http.js';
import { type Listening, listenOnLoopback } from '../helpers/listen.js';

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

describe('token endpoint form values that are not strings', () => {
  let listening: Listening;
  let registrar: Registrar<ClientRegistration>;
  let clientId: string;
  let secret: string;

  before(async () => {
    listening = await listenOnLoopback();
    registrar = createRegistrar<ClientRegistration>({
      issuer: listening.url,
      registrationEnabled: true,
      registration: createMemoryStore(),
      logger: memoryLogger(),
      crypto: nodeCrypto,
      rateLimit: false,
    });
    const app = express();
    app.use(toExpressMiddleware(registrar));
    // The token endpoint of the README's "Client authentication at your token endpoint", on Express.
    app.post('/token', express.urlencoded({ extended: true }), async (req, res) => {
      try {
        const { clientId: authenticated, method } = await registrar.authenticateClient({
          headers: req.headers,
          body: req.body,
        });
        res.json({ client_id: authenticated, method });
      } catch (error) {
        if (!(error instanceof RegistrationError)) throw error;
        res
          .status(error.status)
          .set({ ...errorHeaders(error), 'cache-control': 'no-store' })
          .json({ error: error.code, error_description: error.description });
      }
    });
    listening.server.on('request', app);
    const created = await register(listening.url, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    clientId = created.json.client_id as string;
    secret = created.json.client_secret as string;
  });
  after(() => listening.close());

  const token = (form: string) =>
    fetch(`${listening.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });

  it('authenticates the client with plain string values (the control)', async () => {
    const response = await token(
      `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${encodeURIComponent(secret)}`,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { client_id: clientId, method: 'client_secret_post' });
  });

  it('answers bracketed names that an extended parser nests with 401 invalid_client', async () => {
    const id = encodeURIComponent(clientId);
    const password = encodeURIComponent(secret);
    for (const form of [
      'client_id=abc&client_secret[a]=1',
      'client_id[x]=1',
      `client_id[x]=${id}&client_secret=${password}`,
      `client_id=${id}&client_secret[0][a]=1`,
      `client_id=${id}&client_secret[0][0]=${password}`,
      `client_id=${id}&client_assertion[a]=1&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`,
      `grant_type[a]=client_credentials&client_id=${id}&client_secret=${password}`,
    ]) {
      const response = await token(form);
      assert.equal(response.status, 401, form);
      assert.deepEqual(await response.json(), INVALID_CLIENT, form);
    }
  });

  it('still answers a repeated string parameter with 400 invalid_request', async () => {
    const response = await token(`client_id=${encodeURIComponent(clientId)}&client_secret=a&client_secret=b`);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
  });

  it('rejects a non-string value passed directly with a RegistrationError, 401 invalid_client', async () => {
    const bodies: unknown[] = [
      { client_id: 'abc', client_secret: { a: '1' } },
      { client_id: { x: '1' } },
      { client_id: clientId, client_secret: 42 },
      { client_id: clientId, client_secret: null },
      { client_id: clientId, client_secret: true },
      { client_id: clientId, client_secret: [[secret]] },
      { client_id: clientId, client_secret: [{ a: 1 }] },
      { client_id: clientId, client_secret: [secret, 7] },
      { client_id: clientId, client_secret: secret, grant_type: { a: 'client_credentials' } },
      null,
      42,
      [['client_id', clientId]],
    ];
    for (const body of bodies) {
      await assert.rejects(
        registrar.authenticateClient({ headers: {}, body } as unknown as TokenRequest),
        (error: unknown) => {
          assert.ok(error instanceof RegistrationError, `${JSON.stringify(body)}: ${String(error)}`);
          assert.equal(error.status, 401);
          assert.equal(error.code, 'invalid_client');
          return true;
        },
      );
    }
  });

  it('rejects an Authorization header that is not a string with 401 invalid_client', async () => {
    const basic = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
    for (const authorization of [42, { value: basic }, [basic, 1]]) {
      await assert.rejects(
        registrar.authenticateClient({ headers: { authorization }, body: '' } as unknown as TokenRequest),
        (error: unknown) => error instanceof RegistrationError && error.code === 'invalid_client',
      );
    }
  });
});
