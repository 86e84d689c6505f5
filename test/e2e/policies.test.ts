// Host policies (docs/configuration.md `policies`; step 10 of docs/architecture.md#a-registration): defaults, forced values and
// refusals, on registration and on update (RFC 7592 §2.2), over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigurationError, RegistrationError } from '../../src/core/errors.js';
import type { PolicyContext, RegistrationPolicy } from '../../src/core/metadata/registration-policy.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Example' };

async function put(created: Record<string, unknown>, body: Record<string, unknown>) {
  const response = await fetch(created.registration_client_uri as string, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${created.registration_access_token}`,
    },
    body: JSON.stringify({ client_id: created.client_id, ...body }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('host policies', () => {
  let server: TestServer;
  const store = recordingStore(createMemoryStore());
  const contexts: PolicyContext[] = [];

  const onlyExampleOrg: RegistrationPolicy = (metadata) => {
    const uris = (metadata.redirect_uris as string[] | undefined) ?? [];
    if (
      uris.some(
        (uri) => new URL(uri).hostname !== 'client.example.org' && !uri.startsWith('http://127.0.0.1'),
      )
    ) {
      return { reject: 'Redirect URIs must be on client.example.org.' };
    }
    return undefined;
  };
  const defaultsAndForce: RegistrationPolicy = (_metadata, context) => {
    contexts.push(context);
    return { defaults: { scope: 'profile' }, force: { contacts: ['security@as.example'] } };
  };
  const noWildcardNames: RegistrationPolicy = (metadata) => {
    if (String(metadata.client_name).includes('Official')) {
      throw new RegistrationError(
        400,
        'invalid_client_metadata',
        'client_name may not claim to be official.',
      );
    }
    return undefined;
  };
  const explodes: RegistrationPolicy = (metadata) => {
    if (metadata.client_name === 'explode') throw new Error('secret internal detail');
    return undefined;
  };
  const forcesBadRedirect: RegistrationPolicy = (metadata) =>
    metadata.client_name === 'force bad'
      ? { force: { redirect_uris: ['http://evil.example/cb'] } }
      : undefined;
  const emptyRefusal: RegistrationPolicy = (metadata) =>
    metadata.client_name === 'empty refusal' ? { reject: '' } : undefined;

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      policies: [
        onlyExampleOrg,
        defaultsAndForce,
        noWildcardNames,
        explodes,
        forcesBadRedirect,
        emptyRefusal,
      ],
    });
  });
  after(() => server.close());

  it('sets a default only where the client sent nothing, and forces values', async () => {
    const defaulted = await register(server.url, GOOD);
    assert.equal(defaulted.status, 201, JSON.stringify(defaulted.json));
    assert.equal(defaulted.json.scope, 'profile');
    assert.deepEqual(defaulted.json.contacts, ['security@as.example']);
    const sent = await register(server.url, { ...GOOD, scope: 'email', contacts: ['me@client.example.org'] });
    assert.equal(sent.json.scope, 'email');
    assert.deepEqual(sent.json.contacts, ['security@as.example']);
  });

  it('tells a policy what was requested and which operation runs', async () => {
    contexts.length = 0;
    await register(server.url, GOOD);
    const [context] = contexts;
    assert.equal(context?.operation, 'register');
    assert.equal(context?.clientId, undefined);
    assert.equal(context?.requested.grant_types, undefined, 'a defaulted member was not requested');
    assert.deepEqual(context?.requested.redirect_uris, GOOD.redirect_uris);
  });

  it('refuses with the public description the policy gives, without calling the store', async () => {
    const calls = store.calls.length;
    const { status, json } = await register(server.url, { redirect_uris: ['https://elsewhere.example/cb'] });
    assert.equal(status, 400);
    assert.deepEqual(json, {
      error: 'invalid_client_metadata',
      error_description: 'Redirect URIs must be on client.example.org.',
    });
    const thrown = await register(server.url, { ...GOOD, client_name: 'Official App' });
    assert.equal(thrown.json.error_description, 'client_name may not claim to be official.');
    assert.equal(store.calls.length, calls);
  });

  it('validates what a policy produces with the same rules', async () => {
    const { status, json } = await register(server.url, { ...GOOD, client_name: 'force bad' });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_redirect_uri');
  });

  it('answers a throwing or malformed policy with a generic 500', async () => {
    for (const client_name of ['explode', 'empty refusal']) {
      const { status, json } = await register(server.url, { ...GOOD, client_name });
      assert.equal(status, 500);
      assert.equal(json.error, 'server_error');
      assert.ok(!JSON.stringify(json).includes('secret internal detail'));
    }
  });

  it('applies the same policies to an update', async () => {
    const { json: created } = await register(server.url, { ...GOOD, scope: 'email' });
    contexts.length = 0;
    const refused = await put(created, { redirect_uris: ['https://elsewhere.example/cb'] });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error_description, 'Redirect URIs must be on client.example.org.');
    const updated = await put(created, { ...GOOD, contacts: ['me@client.example.org'] });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.scope, 'profile', 'the omitted scope resets, then the policy default applies');
    assert.deepEqual(updated.json.contacts, ['security@as.example']);
    assert.equal(contexts.at(-1)?.operation, 'update');
    assert.equal(contexts.at(-1)?.clientId, created.client_id);
  });
});

describe('policy order', () => {
  it('runs the token policy first, so the host policies have the last word', async () => {
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      initialAccessToken: () => ({ policy: { force: { scope: 'read write admin' } } }),
      policies: [
        (metadata) =>
          String(metadata.scope).includes('admin') ? { force: { scope: 'read write' } } : undefined,
      ],
    });
    try {
      const { status, json } = await register(server.url, GOOD, { headers: { authorization: 'Bearer any' } });
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.scope, 'read write');
    } finally {
      await server.close();
    }
  });

  it('refuses policies that are not functions at construction', () => {
    assert.throws(
      () =>
        createRegistrar({
          issuer: 'http://127.0.0.1',
          registrationEnabled: true,
          registration: createMemoryStore(),
          policies: [{ force: {} }] as never,
        }),
      ConfigurationError,
    );
  });
});

describe('a forced member and its language-tagged variants', () => {
  it('replaces every tagged variant the request sent, and null removes them all', async () => {
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      policies: [() => ({ force: { client_name: 'Forced Name', logo_uri: null } })],
    });
    try {
      const { status, json } = await register(server.url, {
        ...GOOD,
        'client_name#en': 'Evil EN',
        'logo_uri#en': 'https://evil.example/l.png',
        'tos_uri#en': 'https://client.example.org/tos',
      });
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.client_name, 'Forced Name');
      assert.ok(!('client_name#en' in json));
      assert.ok(!('logo_uri#en' in json));
      assert.equal(json['tos_uri#en'], 'https://client.example.org/tos');
    } finally {
      await server.close();
    }
  });
});
