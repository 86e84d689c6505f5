/**
 * `ClientMetadata` is a typed interface: a host reads validated members with
 * their wire types, no cast (RFC 7591 §2, OpenID Connect Registration §2).
 * This file fails to compile if a member loses its type, and fails at run
 * time if the values read through those types are wrong.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClientMetadata, ClientRegistration, ForcedMembers, ResolvedClient } from '../../src/index.js';
import { validateClientMetadata } from '../../src/index.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// Compile-time checks: each alias fails to compile when the member's type regresses.
export type TypedMembers = [
  Expect<Equal<ClientMetadata['redirect_uris'], string[] | undefined>>,
  Expect<Equal<ClientMetadata['grant_types'], string[] | undefined>>,
  Expect<Equal<ClientMetadata['response_types'], string[] | undefined>>,
  Expect<Equal<ClientMetadata['token_endpoint_auth_method'], string | undefined>>,
  Expect<Equal<ClientMetadata['client_name'], string | undefined>>,
  Expect<Equal<ClientMetadata['contacts'], string[] | undefined>>,
  Expect<Equal<ClientMetadata['jwks'], { keys: Record<string, unknown>[] } | undefined>>,
  Expect<Equal<ClientMetadata['default_max_age'], number | undefined>>,
  Expect<Equal<ClientMetadata['require_auth_time'], boolean | undefined>>,
  Expect<Equal<ClientMetadata['post_logout_redirect_uris'], string[] | undefined>>,
  Expect<Equal<ClientMetadata['backchannel_logout_session_required'], boolean | undefined>>,
  Expect<Equal<ClientMetadata['software_statement'], string | undefined>>,
  // Language-tagged variants and extensions stay reachable, as unknown.
  Expect<Equal<ClientMetadata['client_name#ja-Jpan-JP'], unknown>>,
  Expect<Equal<ClientRegistration['metadata'], ClientMetadata>>,
  Expect<Equal<ResolvedClient<unknown>['metadata'], ClientMetadata>>,
  Expect<Equal<ReturnType<typeof validateClientMetadata>, ClientMetadata>>,
  Expect<Equal<ForcedMembers['client_name'], string | null | undefined>>,
];

describe('typed client metadata', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegistrar({ registrationEnabled: true, registration: createMemoryStore() });
  });
  after(() => server.close());

  it('reads a resolved client’s members with their wire types, no cast', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: ['https://client.example.org/cb', 'https://client.example.org/cb2'],
      client_name: 'Typed client',
      'client_name#ja-Jpan-JP': 'クライアント',
      default_max_age: 300,
      contacts: ['ops@client.example.org'],
    });
    assert.equal(status, 201);
    assert.equal(typeof json.client_id, 'string');
    const resolved = await server.registrar.resolveClient(String(json.client_id));
    const { metadata } = resolved;

    const uri: string | undefined = metadata.redirect_uris?.[0];
    const uris: readonly string[] = metadata.redirect_uris ?? [];
    const name: string | undefined = metadata.client_name;
    const method: string | undefined = metadata.token_endpoint_auth_method;
    const grants: string[] | undefined = metadata.grant_types;
    const maxAge: number | undefined = metadata.default_max_age;
    const authTime: boolean | undefined = metadata.require_auth_time;
    const tagged: unknown = metadata['client_name#ja-Jpan-JP'];

    assert.equal(uri, 'https://client.example.org/cb');
    assert.equal(uri?.startsWith('https://'), true);
    assert.deepEqual(uris, ['https://client.example.org/cb', 'https://client.example.org/cb2']);
    assert.equal(name?.toUpperCase(), 'TYPED CLIENT');
    assert.equal(method, 'client_secret_basic');
    assert.deepEqual(grants, ['authorization_code']);
    assert.deepEqual(metadata.response_types, ['code']);
    assert.equal(maxAge, 300);
    assert.equal(authTime, false);
    assert.deepEqual(metadata.contacts, ['ops@client.example.org']);
    assert.equal(tagged, 'クライアント');
    assert.equal(metadata.application_type, 'web');
    assert.equal(metadata.id_token_signed_response_alg, 'RS256');
  });

  it('returns typed defaults from validateClientMetadata', () => {
    const metadata = validateClientMetadata(
      {
        grant_types: ['client_credentials'],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
      server.registrar.settings.rules,
    );
    const grants: string[] | undefined = metadata.grant_types;
    const responseTypes: string[] | undefined = metadata.response_types;
    assert.deepEqual(grants, ['client_credentials']);
    assert.deepEqual(responseTypes, []);
    assert.equal(metadata.redirect_uris, undefined);
    assert.equal(metadata.token_endpoint_auth_method, 'client_secret_post');
  });
});
