// No event, log record or error response ever carries a secret or a token
// (docs/behaviour.md, docs/client-authentication.md#client-lifecycle): a whole admission and lifecycle run, every output collected
// and searched for every credential that went in or came out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { nodeCrypto } from '../../src/adapters/node.js';
import { hashCredential } from '../../src/core/credentials/credentials.js';
import { RegistrationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, register, startRegistrar } from '../helpers/http.js';
import { keyPair } from '../helpers/key-server.js';

const STATIC_TOKEN = 'static-iat-Hx7Qm2vLp9Rt4Kw8Zc1Nb6Yd3Fg5Js0';
const STORED_TOKEN = 'stored-iat-Pq4Wn8Xe2Ry6Tu0Io3As7Df1Gh5Jk9';
const CRASHING_TOKEN = 'crash-iat-Lz2Xc5Vb8Nm1Qw4Er7Ty0Ui3Op6As9';
const WRONG_TOKEN = 'wrong-iat-Mn5Bv8Cx1Za4Sd7Fg0Hj3Kl6Qw9Er2';
const ISSUER = 'https://statements.example';

describe('secrets stay out of events, logs and errors', () => {
  it('holds for a whole admission, management, authentication and sweep run', async () => {
    const logger = memoryLogger();
    const events: RegistrarEvent[] = [];
    const outputs: string[] = [];
    const secrets: string[] = [STATIC_TOKEN, STORED_TOKEN, CRASHING_TOKEN, WRONG_TOKEN];
    const store = createMemoryStore();
    const key = await keyPair('ES256');
    await store.createInitialAccessToken({
      id: 'partner',
      token_hash: await hashCredential(nodeCrypto, STORED_TOKEN),
      created_at: 0,
      uses: 0,
    });
    let clock = Date.now();
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      logger,
      now: () => clock,
      clientTtl: 600,
      onEvent: (event) => {
        events.push(event);
      },
      initialAccessToken: {
        token: STATIC_TOKEN,
        stored: true,
        verify: (token) => {
          if (token === CRASHING_TOKEN) throw new Error(`cannot check ${token}`);
          return false;
        },
      },
      softwareStatement: { issuers: { [ISSUER]: { jwks: { keys: [key.publicJwk] } } } },
    });
    const keep = async (response: Response) => {
      const text = await response.text();
      // Error responses only: a success legitimately carries the credentials it issues.
      if (response.status >= 400) {
        const headers: string[] = [];
        response.headers.forEach((value, name) => {
          headers.push(`${name}: ${value}`);
        });
        outputs.push(`${response.status} ${headers.join('; ')} ${text}`);
      }
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const registerKept = async (body: unknown, token?: string) => {
      const result = await register(
        server.url,
        body,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
      if (result.status >= 400) outputs.push(JSON.stringify(result.json));
      return result;
    };

    try {
      const statement = await new SignJWT({ software_id: 'app' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(ISSUER)
        .sign(key.privateKey);
      const basic = await registerKept(
        { grant_types: ['client_credentials'], software_statement: statement },
        STATIC_TOKEN,
      );
      const jwtClient = await registerKept(
        {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [key.publicJwk] },
        },
        STORED_TOKEN,
      );
      assert.equal(basic.status, 201);
      assert.equal(jwtClient.status, 201);
      secrets.push(
        basic.json.client_secret as string,
        basic.json.registration_access_token as string,
        jwtClient.json.registration_access_token as string,
      );
      assert.equal((await registerKept({ grant_types: ['client_credentials'] }, WRONG_TOKEN)).status, 401);
      assert.equal((await registerKept({ grant_types: ['client_credentials'] }, CRASHING_TOKEN)).status, 500);
      assert.equal((await registerKept({ grant_types: ['client_credentials'] })).status, 401);

      const uri = basic.json.registration_client_uri as string;
      const manage = (token: string, init: RequestInit = {}) =>
        fetch(uri, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } }).then(keep);
      await manage(WRONG_TOKEN);
      const updated = await manage(basic.json.registration_access_token as string, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: basic.json.client_id,
          grant_types: ['client_credentials'],
          client_secret: basic.json.client_secret,
        }),
      });
      secrets.push(updated.registration_access_token as string);
      await manage(basic.json.registration_access_token as string);
      await manage(updated.registration_access_token as string, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: basic.json.client_id,
          client_secret: 'a-guessed-secret-value-1234',
        }),
      });
      secrets.push('a-guessed-secret-value-1234');

      const authenticate = async (request: Parameters<typeof server.registrar.authenticateClient>[0]) => {
        try {
          await server.registrar.authenticateClient(request);
        } catch (error) {
          assert.ok(error instanceof RegistrationError);
          outputs.push(JSON.stringify({ ...error, message: error.message, cause: String(error.cause) }));
        }
      };
      const basicHeader = (secret: string) =>
        `Basic ${Buffer.from(`${basic.json.client_id}:${secret}`).toString('base64')}`;
      await authenticate({
        headers: { authorization: basicHeader(basic.json.client_secret as string) },
        body: '',
      });
      await authenticate({
        headers: { authorization: basicHeader('presented-wrong-secret-5678') },
        body: '',
      });
      secrets.push('presented-wrong-secret-5678');
      const assertion = await new SignJWT({ jti: 'one' })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(jwtClient.json.client_id as string)
        .setSubject(jwtClient.json.client_id as string)
        .setAudience(server.url)
        .setExpirationTime('1m')
        .sign(key.privateKey);
      secrets.push(assertion);
      const jwtForm = new URLSearchParams({
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      await authenticate({ headers: {}, body: jwtForm });
      await authenticate({ headers: {}, body: jwtForm });

      clock += 601_000;
      await server.registrar.sweep();
      await manage(updated.registration_access_token as string);
    } finally {
      await server.close();
    }

    const types = new Set(events.map((event) => event.type));
    for (const type of ['client.registered', 'client.updated', 'client.expired', 'management.auth_failed']) {
      assert.ok(types.has(type as RegistrarEvent['type']), `the run produced ${type}`);
    }
    for (const event of events) {
      // A refusal adds the error code it answered; no event carries anything else.
      const expected =
        event.type === 'registration.refused'
          ? ['client_id', 'error', 'time', 'type']
          : ['client_id', 'time', 'type'];
      assert.deepEqual(Object.keys(event).sort(), expected);
    }
    assert.ok(logger.records.length > 0 && outputs.length > 5, 'there was output to search');

    const searched = [JSON.stringify(events), JSON.stringify(logger.records), ...outputs].join('\n');
    for (const secret of secrets) {
      assert.ok(typeof secret === 'string' && secret.length >= 20, 'every credential was captured');
      assert.ok(!searched.includes(secret), `a credential leaked: ${secret.slice(0, 6)}…`);
    }
    assert.ok(!searched.includes('sha256:'), 'no hash either');
  });
});
