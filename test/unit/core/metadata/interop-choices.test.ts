// Lenient where RFC 7591 allows: unsupported grant types are dropped while a usable grant remains
// (RFC 7591 §2: the server may replace requested values), 'reject' keeps the strict answer; and
// OpenID Connect RP Metadata Choices 1.0: the server picks one of the methods a client offers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrarConfig } from '../../../../src/core/config/registrar-config.js';
import { createRegistrar } from '../../../../src/registrar.js';
import { createMemoryStore } from '../../../../src/store/memory.js';

const ISSUER = 'https://as.example.org';
const JWKS = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    },
  ],
};

function registrarWith(config: Partial<RegistrarConfig<unknown>> = {}) {
  return createRegistrar({
    issuer: ISSUER,
    registrationEnabled: true,
    registration: createMemoryStore(),
    rateLimit: false,
    ...config,
  });
}

async function register(registrar: ReturnType<typeof registrarWith>, body: Record<string, unknown>) {
  const response = await registrar.fetch(
    new Request(`${ISSUER}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const CODE_CLIENT = { redirect_uris: ['https://client.example.org/cb'], token_endpoint_auth_method: 'none' };

describe('unsupported grant types', () => {
  it('drops them while a usable grant remains, and the 201 shows the effective grant_types', async () => {
    const registrar = registrarWith({ grantTypesSupported: ['authorization_code', 'refresh_token'] });
    const { status, json } = await register(registrar, {
      ...CODE_CLIENT,
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.deepEqual(json.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(json.response_types, ['code']);
    const resolved = await registrar.resolveClient(json.client_id as string);
    assert.deepEqual(resolved.metadata.grant_types, ['authorization_code', 'refresh_token']);
  });

  it('drops the response types of a dropped grant, so both lists still agree', async () => {
    const registrar = registrarWith({
      grantTypesSupported: ['authorization_code'],
      responseTypesSupported: ['code', 'token'],
    });
    const { status, json } = await register(registrar, {
      ...CODE_CLIENT,
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code', 'token'],
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.deepEqual(json.grant_types, ['authorization_code']);
    assert.deepEqual(json.response_types, ['code']);
  });

  it('refuses when nothing usable is left, naming the grant', async () => {
    const registrar = registrarWith({ grantTypesSupported: ['authorization_code', 'refresh_token'] });
    for (const grants of [['password'], ['refresh_token', 'password']]) {
      const { status, json } = await register(registrar, { ...CODE_CLIENT, grant_types: grants });
      assert.equal(status, 400, grants.join());
      assert.equal(json.error, 'invalid_client_metadata');
      assert.equal(
        json.error_description,
        "grant_types contains 'password', which this server does not support.",
      );
    }
  });

  it("keeps the strict answer under unsupportedGrantTypes: 'reject'", async () => {
    const registrar = registrarWith({
      grantTypesSupported: ['authorization_code', 'refresh_token'],
      unsupportedGrantTypes: 'reject',
    });
    const { status, json } = await register(registrar, {
      ...CODE_CLIENT,
      grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_client_metadata');
    assert.match(json.error_description as string, /^grant_types contains /);
  });
});

describe('RP Metadata Choices: token_endpoint_auth_methods_supported', () => {
  it("picks the server's first method the client offers, and stores and returns that one", async () => {
    const registrar = registrarWith({ tokenEndpointAuthMethodsSupported: ['none'] });
    const { status, json } = await register(registrar, {
      redirect_uris: ['https://client.example.org/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      jwks: JWKS,
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.token_endpoint_auth_method, 'none');
    assert.equal(json.token_endpoint_auth_methods_supported, undefined, 'one value is stored, not the list');
    assert.equal(json.client_secret, undefined);
    const resolved = await registrar.resolveClient(json.client_id as string);
    assert.equal(resolved.metadata.token_endpoint_auth_method, 'none');
  });

  it("follows the server's order, counting the declared method as offered", async () => {
    const registrar = registrarWith({
      tokenEndpointAuthMethodsSupported: ['private_key_jwt', 'client_secret_basic', 'none'],
    });
    const { json } = await register(registrar, {
      redirect_uris: ['https://client.example.org/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_methods_supported: ['none'],
      jwks: JWKS,
    });
    assert.equal(json.token_endpoint_auth_method, 'private_key_jwt');
  });

  it('refuses a list with nothing the server supports, naming the member', async () => {
    const registrar = registrarWith({ tokenEndpointAuthMethodsSupported: ['none'] });
    const { status, json } = await register(registrar, {
      redirect_uris: ['https://client.example.org/cb'],
      token_endpoint_auth_methods_supported: ['tls_client_auth'],
    });
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_client_metadata');
    assert.equal(
      json.error_description,
      'token_endpoint_auth_methods_supported offers no method this server supports.',
    );
    const malformed = await register(registrar, {
      redirect_uris: ['https://client.example.org/cb'],
      token_endpoint_auth_methods_supported: 'none',
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error_description as string, /^token_endpoint_auth_methods_supported /);
  });

  it('picks the signing algorithm from token_endpoint_auth_signing_alg_values_supported', async () => {
    const registrar = registrarWith({ signingAlgValuesSupported: ['ES256', 'RS256'] });
    const { status, json } = await register(registrar, {
      redirect_uris: ['https://client.example.org/cb'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256'],
      jwks: JWKS,
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.token_endpoint_auth_signing_alg, 'ES256');
  });
});
