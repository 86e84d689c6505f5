// End to end: a small token endpoint on node:http built on authenticateClient runs
// the client_credentials grant (RFC 6749 §4.4) for clients registered over HTTP,
// authenticating with client_secret_basic and with private_key_jwt (RFC 7523 §2.2).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { nodeCrypto, toNodeListener } from '../../src/adapters/node.js';
import { RegistrationError } from '../../src/core/errors.js';
import { errorHeaders } from '../../src/http/error-response.js';
import { createRegistrar, type Registrar } from '../../src/registrar.js';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, register } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The host's token endpoint: authenticate, check the grant, issue an opaque token. */
function tokenEndpoint(registrar: Registrar<ClientRegistration>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/token') return send(res, 404, { error: 'not_found' });
    const body = await readBody(req);
    try {
      const { metadata } = await registrar.authenticateClient({ headers: req.headers, body });
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'client_credentials') {
        return send(res, 400, { error: 'unsupported_grant_type' });
      }
      if (!(metadata.grant_types as string[]).includes('client_credentials')) {
        return send(res, 400, { error: 'unauthorized_client' });
      }
      return send(res, 200, {
        access_token: randomBytes(32).toString('base64url'),
        token_type: 'Bearer',
        expires_in: 300,
        scope: metadata.scope,
      });
    } catch (error) {
      const failure = error instanceof RegistrationError ? error : undefined;
      if (!failure) return send(res, 500, { error: 'server_error' });
      return send(
        res,
        failure.status,
        { error: failure.code, error_description: failure.description },
        {
          ...errorHeaders(failure),
        },
      );
    }
  };
}

describe('client_credentials through a token endpoint built on authenticateClient', () => {
  let server: Server;
  let url: string;
  let key: TestKeyPair;

  before(async () => {
    key = await keyPair('PS256');
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registrar = createRegistrar<ClientRegistration>({
      issuer: url,
      registrationEnabled: true,
      registration: createMemoryStore(),
      crypto: nodeCrypto,
      logger: memoryLogger(),
    });
    const token = tokenEndpoint(registrar);
    server.on(
      'request',
      toNodeListener(registrar, (req, res) => {
        token(req, res).catch(() => res.destroy());
      }),
    );
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );

  const postToken = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });

  it('registers a client over HTTP, then gets a token with client_secret_basic', async () => {
    const { status, json: client } = await register(url, {
      grant_types: ['client_credentials'],
      scope: 'api.read',
    });
    assert.equal(status, 201);
    const credentials = Buffer.from(
      `${encodeURIComponent(client.client_id as string)}:${encodeURIComponent(client.client_secret as string)}`,
    ).toString('base64');
    const response = await postToken(
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${credentials}` },
    );
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'api.read');
    assert.match(body.access_token as string, /^[A-Za-z0-9_-]{43}$/);

    const wrong = Buffer.from(`${client.client_id}:not-the-secret`).toString('base64');
    const refused = await postToken(
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${wrong}` },
    );
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal(((await refused.json()) as Record<string, unknown>).error, 'invalid_client');
  });

  it('registers a private_key_jwt client over HTTP, then gets a token with a signed assertion', async () => {
    const { status, json: client } = await register(url, {
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'PS256',
      jwks: { keys: [key.publicJwk] },
    });
    assert.equal(status, 201, JSON.stringify(client));
    assert.ok(!('client_secret' in client), 'no secret for a key-based client');
    const clientId = client.client_id as string;
    const assertion = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'PS256', kid: key.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(`${url}/token`)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(key.privateKey);
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    const response = await postToken(form);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');

    const replay = await postToken(form);
    assert.equal(replay.status, 401);
    assert.equal(((await replay.json()) as Record<string, unknown>).error, 'invalid_client');
  });
});
