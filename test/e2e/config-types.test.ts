// Every configuration key is checked for its type: in the library (createRegistrar), in a
// `registrar serve --config` file and in the REGISTRAR_ variables, a value of the wrong type is a
// ConfigurationError naming the key, never a setting that half works (a string where a list
// belongs used to be searched by substring).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RegistrarConfig } from '../../src/core/config/registrar-config.js';
import { CONFIG_CHECKS } from '../../src/core/config/resolve-config.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { ALL_STORE_CALLBACKS } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import { resolveCommandOptions } from '../../src/server/options.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { startServe } from '../helpers/cli.js';
import { register, startRegistrar } from '../helpers/http.js';

const BASE = { issuer: 'https://as.example.org', registrationEnabled: true };
const ISSUER = { jwks_uri: 'https://statements.example.org/jwks.json' };

/** For each key: values of a wrong type, with the key the error must name. */
const WRONG: Record<string, [unknown, string][]> = {
  issuer: [
    [42, 'issuer'],
    [new URL('https://as.example.org'), 'issuer'],
  ],
  registrationEnabled: [['yes', 'registrationEnabled']],
  managementEnabled: [[1, 'managementEnabled']],
  discoveryEnabled: [['true', 'discoveryEnabled']],
  registration: [
    ['memory', 'registration'],
    [[], 'registration'],
  ],
  registrationPath: [
    [7, 'registrationPath'],
    ['', 'registrationPath'],
  ],
  authorizationEndpoint: [['/authorize', 'authorizationEndpoint']],
  tokenEndpoint: [[{}, 'tokenEndpoint']],
  jwksUri: [[5, 'jwksUri']],
  grantTypesSupported: [['authorization_code', 'grantTypesSupported']],
  responseTypesSupported: [[['code', 1], 'responseTypesSupported']],
  tokenEndpointAuthMethodsSupported: [['client_secret_basic none', 'tokenEndpointAuthMethodsSupported']],
  scopesSupported: [
    ['openid profile email', 'scopesSupported'],
    [['openid', ''], 'scopesSupported'],
  ],
  defaultScope: [[['openid'], 'defaultScope']],
  subjectTypesSupported: [['public', 'subjectTypesSupported']],
  signingAlgValuesSupported: [[{ 0: 'RS256' }, 'signingAlgValuesSupported']],
  encryptionAlgValuesSupported: [['RSA-OAEP', 'encryptionAlgValuesSupported']],
  encryptionEncValuesSupported: [[[null], 'encryptionEncValuesSupported']],
  clientIdMetadataDocuments: [
    ['on', 'clientIdMetadataDocuments'],
    [{ enabled: 'true' }, 'clientIdMetadataDocuments.enabled'],
    [{ cacheMaxSeconds: '3600' }, 'clientIdMetadataDocuments.cacheMaxSeconds'],
  ],
  fetch: [
    [5000, 'fetch'],
    [{ timeoutMs: '5000' }, 'fetch.timeoutMs'],
    [{ allowLoopback: 'false' }, 'fetch.allowLoopback'],
    [{ ca: 1 }, 'fetch.ca'],
    [{ ca: ['pem', 2] }, 'fetch.ca'],
    [{ resolve: 'dns' }, 'fetch.resolve'],
  ],
  requireHttps: [['false', 'requireHttps']],
  trustedProxies: [['10.0.0.1', 'trustedProxies']],
  rateLimit: [
    ['60/60s', 'rateLimit'],
    [true, 'rateLimit'],
    [{ registrations: 60 }, 'rateLimit.registrations'],
    [{ managementFailures: true }, 'rateLimit.managementFailures'],
    [{ limiter: { consume() {} } }, 'rateLimit.limiter.check'],
  ],
  cors: [
    [true, 'cors'],
    [{ origins: 'https://login.bank.com' }, 'cors.origins'],
    [{ origins: ['https://login.bank.com', 3] }, 'cors.origins'],
    [{ maxAgeSeconds: '600' }, 'cors.maxAgeSeconds'],
  ],
  unsupportedGrantTypes: [['drop it', 'unsupportedGrantTypes']],
  privateUseSchemes: [
    ['strict', 'privateUseSchemes'],
    [['https'], 'privateUseSchemes'],
    [['javascript'], 'privateUseSchemes'],
  ],
  extraMetadata: [
    [['x_team'], 'extraMetadata'],
    [{ x_team: 'string' }, 'extraMetadata.x_team'],
  ],
  clientSecretTtl: [['3600', 'clientSecretTtl']],
  initialAccessToken: [
    [42, 'initialAccessToken'],
    ['', 'initialAccessToken'],
    [{ token: 5 }, 'initialAccessToken.token'],
    [{ verify: 'yes' }, 'initialAccessToken.verify'],
    [{ stored: 'true' }, 'initialAccessToken.stored'],
  ],
  softwareStatement: [
    ['https://statements.example.org', 'softwareStatement'],
    [{ issuers: 'https://statements.example.org' }, 'softwareStatement.issuers'],
    [{ issuers: { a: 'https://statements.example.org/jwks.json' } }, 'softwareStatement.issuers["a"]'],
    [{ issuers: { a: { jwks_uri: 1 } } }, 'softwareStatement.issuers["a"].jwks_uri'],
    [{ issuers: { a: { jwks: 'keys' } } }, 'softwareStatement.issuers["a"].jwks'],
    [{ issuers: { a: ISSUER }, required: 'yes' }, 'softwareStatement.required'],
    [{ issuers: { a: ISSUER }, algorithms: 'RS256' }, 'softwareStatement.algorithms'],
    [{ issuers: { a: ISSUER }, jwksCacheSeconds: '600' }, 'softwareStatement.jwksCacheSeconds'],
  ],
  policies: [
    [() => undefined, 'policies'],
    [['reject'], 'policies'],
  ],
  clientTtl: [['86400', 'clientTtl']],
  renewalInterval: [
    ['often', 'renewalInterval'],
    [-5, 'renewalInterval'],
    [1.5, 'renewalInterval'],
    [false, 'renewalInterval'],
  ],
  activationWindow: [
    ['soon', 'activationWindow'],
    [-1, 'activationWindow'],
    [true, 'activationWindow'],
  ],
  maxClients: [
    ['100', 'maxClients'],
    [0, 'maxClients'],
  ],
  maxClientsPerOwner: [
    [2.5, 'maxClientsPerOwner'],
    [-1, 'maxClientsPerOwner'],
  ],
  reclaimMinAge: [
    ['later', 'reclaimMinAge'],
    [false, 'reclaimMinAge'],
  ],
  statelessRegistration: [
    ['key', 'statelessRegistration'],
    [{ keys: 'k' }, 'statelessRegistration.keys'],
    [{ keys: ['k'] }, 'statelessRegistration.keys[0]'],
    [{ keys: [{ kid: 1, secret: 's' }] }, 'statelessRegistration.keys[0].kid'],
    [{ keys: [{ kid: 'a', secret: 32 }] }, 'statelessRegistration.keys[0].secret'],
    [{ keys: [{ kid: 'a', secret: 'A'.repeat(43) }], lifetime: 'soon' }, 'statelessRegistration.lifetime'],
  ],
  rotateRegistrationAccessToken: [[true, 'rotateRegistrationAccessToken']],
  maxBodyBytes: [['65536', 'maxBodyBytes']],
  onEvent: [['log', 'onEvent']],
  logger: [
    ['console', 'logger'],
    [{ info() {}, error() {} }, 'logger.warn'],
  ],
  crypto: [
    [{}, 'crypto.randomBytes'],
    [{ randomBytes() {} }, 'crypto.sha256'],
  ],
  now: [[0, 'now']],
  ...Object.fromEntries(ALL_STORE_CALLBACKS.map((name) => [name, [['callback', name]]])),
};

/** Asserts that `run` throws a ConfigurationError whose message starts with `name`. */
function assertRefused(run: () => unknown, name: string, label: string): void {
  assert.throws(
    run,
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, `${label}: ${String(error)}`);
      assert.ok(error.message.startsWith(`${name} `), `${label}: "${error.message}" names ${name}`);
      return true;
    },
    label,
  );
}

describe('configuration types in the library', () => {
  it('has wrong-type cases for every key of RegistrarConfig', () => {
    assert.deepEqual(
      Object.keys(WRONG).sort(),
      [...Object.keys(CONFIG_CHECKS), ...ALL_STORE_CALLBACKS].sort(),
    );
  });

  for (const [key, cases] of Object.entries(WRONG)) {
    it(`refuses a ${key} of the wrong type, naming it`, () => {
      for (const [value, name] of cases) {
        const config = { ...BASE, registration: createMemoryStore(), [key]: value };
        assertRefused(
          () => createRegistrar(config as RegistrarConfig<unknown>),
          name,
          `${key}: ${String(value)}`,
        );
      }
    });
  }

  it('still accepts every documented shape', () => {
    const store = createMemoryStore();
    for (const extra of [
      { cors: false as const },
      { cors: { origins: '*' as const, maxAgeSeconds: 0 } },
      { cors: { origins: ['https://login.bank.com'] } },
      { rateLimit: false as const },
      { rateLimit: { registrations: 'off', managementFailures: { limit: 5, windowSeconds: 60 } } },
      { initialAccessToken: 'static-token' },
      { initialAccessToken: () => true },
      { fetch: { ca: 'PEM', timeoutMs: 1000 } },
      { fetch: { ca: ['PEM'] } },
      { scopesSupported: ['openid', 'profile'], defaultScope: 'openid' },
      { softwareStatement: { issuers: { a: ISSUER }, algorithms: ['ES256'], required: true } },
    ]) {
      assert.doesNotThrow(
        () => createRegistrar({ ...BASE, registration: store, ...extra }),
        JSON.stringify(extra),
      );
    }
  });

  it('no longer matches an origin, a scope or a method by substring', async () => {
    const server = await startRegistrar({
      registration: createMemoryStore(),
      registrationEnabled: true,
      cors: { origins: ['https://login.bank.com'] },
      scopesSupported: ['openid', 'profile', 'email'],
      tokenEndpointAuthMethodsSupported: ['client_secret_basic', 'none'],
    });
    try {
      const metadata = { redirect_uris: ['https://client.example.org/cb'] };
      const near = await fetch(`${server.url}/oauth/register`, {
        method: 'OPTIONS',
        headers: { origin: 'https://login.bank.co' },
      });
      assert.equal(near.headers.get('access-control-allow-origin'), null);
      const scope = await register(server.url, { ...metadata, scope: 'pen file mail e' });
      assert.equal(scope.status, 400);
      assert.equal(scope.json.error, 'invalid_client_metadata');
      const method = await register(server.url, { ...metadata, token_endpoint_auth_method: 'basic' });
      assert.equal(method.status, 400);
      assert.equal(method.json.error, 'invalid_client_metadata');
    } finally {
      await server.close();
    }
  });
});

describe('configuration types in registrar serve', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-config-types-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (name: string, config: Record<string, unknown>): string => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };

  for (const [name, config, message] of [
    [
      'cors',
      { cors: { origins: 'https://login.bank.com' } },
      "cors.origins must be '*' or an array of origin strings.",
    ],
    [
      'scopes',
      { scopesSupported: 'openid profile email' },
      'scopesSupported must be an array of non-empty strings.',
    ],
    [
      'methods',
      { tokenEndpointAuthMethodsSupported: 'client_secret_basic none' },
      'tokenEndpointAuthMethodsSupported must be an array of non-empty strings.',
    ],
  ] as const) {
    it(`exits with the message instead of starting: ${message}`, async () => {
      const path = writeConfig(name, config);
      await assert.rejects(
        startServe(['--port', '0', '--store', 'memory:', '--config', path]),
        (error: Error) => {
          assert.match(error.message, /^registrar serve exited with 2:/);
          assert.ok(error.message.includes(`registrar: ${message}`), error.message);
          assert.ok(!error.message.includes('"listening"'), 'the server never listened');
          return true;
        },
      );
    });
  }

  it('checks the file before anything else, for every command', () => {
    const path = writeConfig('issuer', { issuer: 42, rateLimit: 'off' });
    assertRefused(() => resolveCommandOptions(['--config', path], {}), 'issuer', 'issuer in the file');
    const limits = writeConfig('limits', { rateLimit: { registrations: 60 } });
    assertRefused(
      () => resolveCommandOptions(['--config', limits], {}),
      'rateLimit.registrations',
      'a rule in the file',
    );
  });

  it('refuses a boolean REGISTRAR_ variable that is neither true nor false', () => {
    for (const value of ['yes', '1', 'TRUE']) {
      assertRefused(
        () => resolveCommandOptions([], { REGISTRAR_NO_MIGRATE: value }),
        'REGISTRAR_NO_MIGRATE',
        value,
      );
    }
    assert.equal(resolveCommandOptions([], { REGISTRAR_NO_MIGRATE: 'false' }).migrate, true);
    assert.equal(resolveCommandOptions([], { REGISTRAR_JSON: 'true' }).json, true);
  });
});
