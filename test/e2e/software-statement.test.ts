// Software statements (RFC 7591 §2.3, docs/architecture.md#a-registration step 8 and §6), signed with keys
// generated here, verified with inline JWK Sets and with a JWKS URL fetched through
// the real safe fetcher from an HTTPS server on loopback (the test allowance of docs/operations.md#outbound-fetches-the-ssrf-guard).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ConfigurationError } from '../../src/core/errors.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';
import { type KeyServer, keyPair, startKeyServer, type TestKeyPair } from '../helpers/key-server.js';

const INLINE = 'https://inline-issuer.example';
const REMOTE = 'https://remote-issuer.example';
const BROKEN = 'https://broken-issuer.example';
const JSON_MEMBERS = {
  redirect_uris: ['https://json.example.org/cb'],
  client_name: 'From JSON',
  contacts: ['ops@example.org'],
};

async function sign(
  key: TestKeyPair,
  claims: Record<string, unknown>,
  options: { iss?: string | null; exp?: number; nbf?: number; alg?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? key.alg, kid: key.kid })
    .setIssuedAt();
  if (options.iss !== null) jwt.setIssuer(options.iss ?? INLINE);
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('software statements', () => {
  let server: TestServer;
  let keys: KeyServer;
  let trusted: TestKeyPair;
  let remoteKey: TestKeyPair;
  let stranger: TestKeyPair;
  let clock = Date.now();

  before(async () => {
    [trusted, remoteKey, stranger] = await Promise.all([
      keyPair('ES256'),
      keyPair('RS256'),
      keyPair('ES256'),
    ]);
    keys = await startKeyServer();
    keys.publish('/remote/jwks.json', { keys: [remoteKey.publicJwk] });
    keys.publish('/broken/jwks.json', { error: 'down' }, 500);
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      now: () => clock,
      fetch: keys.fetchOptions,
      softwareStatement: {
        issuers: {
          [INLINE]: { jwks: { keys: [trusted.publicJwk] } },
          [REMOTE]: { jwks_uri: `${keys.origin('docs.test')}/remote/jwks.json` },
          [BROKEN]: { jwks_uri: `${keys.origin('docs.test')}/broken/jwks.json` },
        },
        algorithms: ['ES256', 'RS256'],
      },
    });
  });
  after(async () => {
    await server.close();
    await keys.close();
  });

  it('takes the claims over the JSON members and echoes the statement unmodified', async () => {
    const statement = await sign(trusted, {
      software_id: 'app-4711',
      client_name: 'From Statement',
      redirect_uris: ['https://statement.example.org/cb'],
    });
    const { status, json } = await register(server.url, { ...JSON_MEMBERS, software_statement: statement });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.software_statement, statement);
    assert.equal(json.client_name, 'From Statement');
    assert.deepEqual(json.redirect_uris, ['https://statement.example.org/cb']);
    assert.equal(json.software_id, 'app-4711');
    assert.deepEqual(json.contacts, ['ops@example.org'], 'members the statement does not carry stay');
    assert.ok(!('iss' in json) && !('iat' in json), 'JWT claims about the statement are not metadata');

    const read = await fetch(json.registration_client_uri as string, {
      headers: { authorization: `Bearer ${json.registration_access_token}` },
    });
    assert.equal(((await read.json()) as Record<string, unknown>).software_statement, statement, 'stored');
  });

  it('drops the JSON language-tagged variants of a member the statement sets', async () => {
    const statement = await sign(trusted, {
      client_name: 'Trusted App',
      'logo_uri#fr': 'https://trusted.example/fr.png',
    });
    const { status, json } = await register(server.url, {
      ...JSON_MEMBERS,
      'client_name#en': 'Evil EN',
      'logo_uri#en': 'https://evil.example/l.png',
      software_statement: statement,
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.client_name, 'Trusted App');
    assert.ok(!('client_name#en' in json), 'an untrusted variant cannot stand beside the trusted name');
    assert.equal(json['logo_uri#fr'], 'https://trusted.example/fr.png');
    assert.equal(
      json['logo_uri#en'],
      'https://evil.example/l.png',
      'members the statement does not set stay',
    );
  });

  const refusals: { name: string; make: () => Promise<unknown>; error: string; description?: RegExp }[] = [
    {
      name: 'alg none',
      make: async () => unsigned({ iss: INLINE, client_name: 'x' }),
      error: 'invalid_software_statement',
    },
    {
      name: 'an HMAC algorithm',
      make: () =>
        new SignJWT({ client_name: 'x' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(INLINE)
          .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!')),
      error: 'invalid_software_statement',
    },
    {
      name: 'an algorithm not in the configured list',
      make: async () => sign(await keyPair('PS256'), {}, { iss: INLINE }),
      error: 'invalid_software_statement',
    },
    { name: 'no iss', make: () => sign(trusted, {}, { iss: null }), error: 'invalid_software_statement' },
    {
      name: 'an untrusted issuer',
      make: () => sign(trusted, {}, { iss: 'https://nobody-trusts-me.example' }),
      error: 'unapproved_software_statement',
    },
    {
      name: 'a key the issuer does not publish',
      make: () => sign(stranger, {}),
      error: 'invalid_software_statement',
    },
    {
      name: "another key's signature under the trusted key's kid",
      make: async () => sign({ ...(await keyPair('ES256')), kid: trusted.kid }, {}),
      error: 'invalid_software_statement',
      description: /signature/,
    },
    {
      name: 'an expired statement',
      make: () => sign(trusted, {}, { exp: Math.floor(clock / 1000) - 60 }),
      error: 'invalid_software_statement',
      description: /expired/,
    },
    {
      name: 'a statement not yet valid',
      make: () => sign(trusted, {}, { nbf: Math.floor(clock / 1000) + 3600 }),
      error: 'invalid_software_statement',
      description: /not yet valid/,
    },
    {
      name: 'a tampered payload',
      make: async () => {
        const [header, , signature] = (await sign(trusted, { client_name: 'a' })).split('.');
        const payload = Buffer.from(JSON.stringify({ iss: INLINE, client_name: 'b' })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
      error: 'invalid_software_statement',
    },
    { name: 'a number', make: async () => 42, error: 'invalid_software_statement' },
    { name: 'garbage', make: async () => 'not.a.jwt', error: 'invalid_software_statement' },
    { name: 'a JWE-shaped string', make: async () => 'a.b.c.d.e', error: 'invalid_software_statement' },
  ];

  for (const refusal of refusals) {
    it(`refuses ${refusal.name}`, async () => {
      const { status, json } = await register(server.url, {
        ...JSON_MEMBERS,
        software_statement: await refusal.make(),
      });
      assert.equal(status, 400, JSON.stringify(json));
      assert.equal(json.error, refusal.error, JSON.stringify(json));
      assert.match(json.error_description as string, refusal.description ?? /./);
    });
  }

  it('fetches a JWKS URL once through the injected fetcher, then from the cache', async () => {
    const before = keys.hits.get('/remote/jwks.json') ?? 0;
    for (let i = 0; i < 3; i++) {
      const statement = await sign(remoteKey, { client_name: `Remote ${i}` }, { iss: REMOTE });
      const { status, json } = await register(server.url, { ...JSON_MEMBERS, software_statement: statement });
      assert.equal(status, 201, JSON.stringify(json));
      assert.equal(json.client_name, `Remote ${i}`);
    }
    assert.equal((keys.hits.get('/remote/jwks.json') ?? 0) - before, 1);
  });

  it('fetches the JWKS URL again for a rotated key once the cool-down has passed', async () => {
    const rotated = await keyPair('ES256');
    keys.publish('/remote/jwks.json', { keys: [remoteKey.publicJwk, rotated.publicJwk] });
    const statement = await sign(rotated, { client_name: 'Rotated' }, { iss: REMOTE });
    const early = await register(server.url, { ...JSON_MEMBERS, software_statement: statement });
    assert.equal(
      early.json.error,
      'invalid_software_statement',
      'within the cool-down the cached set answers',
    );
    clock += 31_000;
    const later = await register(server.url, { ...JSON_MEMBERS, software_statement: statement });
    assert.equal(later.status, 201, JSON.stringify(later.json));
  });

  it('answers 503 when a trusted issuer keys cannot be fetched', async () => {
    const statement = await sign(trusted, {}, { iss: BROKEN });
    const { status, headers, json } = await register(server.url, {
      ...JSON_MEMBERS,
      software_statement: statement,
    });
    assert.equal(status, 503);
    assert.equal(json.error, 'temporarily_unavailable');
    assert.ok(headers.get('retry-after'));
  });

  it('verifies a statement sent with an update, and refuses an expired one', async () => {
    const first = await sign(trusted, { client_name: 'Version 1' });
    const { json: created } = await register(server.url, { ...JSON_MEMBERS, software_statement: first });
    const put = async (body: Record<string, unknown>) => {
      const response = await fetch(created.registration_client_uri as string, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${created.registration_access_token}`,
        },
        body: JSON.stringify({ client_id: created.client_id, ...JSON_MEMBERS, ...body }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const expired = await put({
      software_statement: await sign(trusted, {}, { exp: Math.floor(clock / 1000) - 1 }),
    });
    assert.equal(expired.json.error, 'invalid_software_statement');
    const second = await sign(trusted, { client_name: 'Version 2' });
    const updated = await put({ software_statement: second, client_name: 'Ignored' });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.client_name, 'Version 2');
    assert.equal(updated.json.software_statement, second);
  });
});

describe('software statements in required mode', () => {
  let server: TestServer;
  let trusted: TestKeyPair;

  before(async () => {
    trusted = await keyPair('EdDSA');
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      softwareStatement: { issuers: { [INLINE]: { jwks: { keys: [trusted.publicJwk] } } }, required: true },
    });
  });
  after(() => server.close());

  it('refuses a registration without a statement', async () => {
    const { status, json } = await register(server.url, JSON_MEMBERS);
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_software_statement');
  });

  it('registers one with a valid statement', async () => {
    const { status, json } = await register(server.url, {
      ...JSON_MEMBERS,
      software_statement: await sign(trusted, { software_id: 'ed-app' }),
    });
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.software_id, 'ed-app');
  });
});

describe('without softwareStatement configured', () => {
  it('ignores a statement: not verified, not stored, not echoed', async () => {
    const server = await startRegistrar({ registrationEnabled: true, registration: createMemoryStore() });
    try {
      const { status, json } = await register(server.url, {
        ...JSON_MEMBERS,
        software_statement: 'anything',
      });
      assert.equal(status, 201);
      assert.ok(!('software_statement' in json));
    } finally {
      await server.close();
    }
  });
});

describe('softwareStatement configuration', () => {
  it('is refused at construction when it cannot work', async () => {
    const { publicJwk } = await keyPair('ES256');
    const base = { issuer: 'http://127.0.0.1', registrationEnabled: true, registration: createMemoryStore() };
    const privateKey = { ...publicJwk, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' };
    const bad: unknown[] = [
      { issuers: {} },
      { issuers: { [INLINE]: { jwks: { keys: [publicJwk] } } }, algorithms: ['none'] },
      { issuers: { [INLINE]: { jwks: { keys: [publicJwk] } } }, algorithms: ['HS256'] },
      { issuers: { [INLINE]: {} } },
      { issuers: { [INLINE]: { jwks: { keys: [publicJwk] }, jwks_uri: 'https://a.example/jwks' } } },
      { issuers: { [INLINE]: { jwks: { keys: [privateKey] } } } },
      { issuers: { [INLINE]: { jwks_uri: 'http://a.example/jwks' } } },
      { issuers: { [INLINE]: { jwks: { keys: [publicJwk] } } }, required: 'yes' },
    ];
    for (const softwareStatement of bad) {
      assert.throws(
        () => createRegistrar({ ...base, softwareStatement: softwareStatement as never }),
        ConfigurationError,
        JSON.stringify(softwareStatement),
      );
    }
  });
});
