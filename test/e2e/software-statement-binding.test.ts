// A client registered with a software statement (RFC 7591 §2.3) keeps its attested members on a
// later PUT without a statement (RFC 7592 §2.2), over real HTTP: plain JSON cannot replace the
// redirect_uris or client_name a trusted issuer signed; a new valid statement can.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';

const ISSUER = 'https://statements.example';
const ATTESTED = { client_name: 'Attested App', redirect_uris: ['https://attested.example.org/cb'] };

describe('members attested by a software statement on update', () => {
  let server: TestServer;
  let key: TestKeyPair;
  let clock = Date.now();

  const sign = (claims: Record<string, unknown>, lifetimeSeconds = 300) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuer(ISSUER)
      .setIssuedAt(Math.floor(clock / 1000))
      .setExpirationTime(Math.floor(clock / 1000) + lifetimeSeconds)
      .sign(key.privateKey);

  before(async () => {
    key = await keyPair('ES256');
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      now: () => clock,
      softwareStatement: { issuers: { [ISSUER]: { jwks: { keys: [key.publicJwk] } } } },
    });
  });
  after(() => server.close());

  async function attestedClient(): Promise<Record<string, unknown>> {
    const statement = await sign({ ...ATTESTED, software_id: 'attested-app' });
    const created = await register(server.url, {
      redirect_uris: ['https://json.example.org/cb'],
      software_statement: statement,
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.client_name, ATTESTED.client_name);
    return created.json;
  }

  async function put(client: Record<string, unknown>, body: Record<string, unknown>) {
    const response = await fetch(client.registration_client_uri as string, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${client.registration_access_token}`,
      },
      body: JSON.stringify({ client_id: client.client_id, ...body }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('keeps the attested redirect_uris and client_name when a PUT carries no statement', async () => {
    const client = await attestedClient();
    const updated = await put(client, {
      client_name: 'Replaced',
      'client_name#fr': 'Remplacé',
      redirect_uris: ['https://attacker.example/cb'],
      contacts: ['ops@example.org'],
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.client_name, ATTESTED.client_name);
    assert.ok(!('client_name#fr' in updated.json), 'no unattested variant beside an attested member');
    assert.deepEqual(updated.json.redirect_uris, ATTESTED.redirect_uris);
    assert.equal(updated.json.software_id, 'attested-app');
    assert.equal(updated.json.software_statement, client.software_statement);
    assert.deepEqual(updated.json.contacts, ['ops@example.org'], 'members the statement does not set change');

    const read = await fetch(client.registration_client_uri as string, {
      headers: { authorization: `Bearer ${updated.json.registration_access_token}` },
    });
    const stored = (await read.json()) as Record<string, unknown>;
    assert.deepEqual(stored.redirect_uris, ATTESTED.redirect_uris);
    assert.equal(stored.client_name, ATTESTED.client_name);
  });

  it('keeps them after the statement has expired, without verifying it again', async () => {
    const client = await attestedClient();
    clock += 3_600_000;
    const updated = await put(client, { redirect_uris: ['https://attacker.example/cb'] });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.deepEqual(updated.json.redirect_uris, ATTESTED.redirect_uris);
  });

  it('lets a new valid statement replace the attested members', async () => {
    const client = await attestedClient();
    const next = await sign({
      client_name: 'Renamed App',
      redirect_uris: ['https://renamed.example.org/cb'],
    });
    const updated = await put(client, {
      redirect_uris: ['https://json.example.org/cb'],
      software_statement: next,
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.client_name, 'Renamed App');
    assert.deepEqual(updated.json.redirect_uris, ['https://renamed.example.org/cb']);
    assert.equal(updated.json.software_statement, next);
  });

  it('leaves a client registered without a statement free to change its members', async () => {
    const created = await register(server.url, {
      client_name: 'Plain',
      redirect_uris: ['https://plain.example.org/cb'],
    });
    const updated = await put(created.json, {
      client_name: 'Plainer',
      redirect_uris: ['https://plainer.example.org/cb'],
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.client_name, 'Plainer');
    assert.deepEqual(updated.json.redirect_uris, ['https://plainer.example.org/cb']);
  });
});
