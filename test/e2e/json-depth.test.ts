// The JSON nesting limit (MAX_JSON_DEPTH) over real HTTP: a registration or update body nested too
// deep anywhere (a JWK member, any metadata member, the top level) is 400 invalid_request before the
// store is called, brackets inside strings do not count, and the other JSON a client supplies is held
// to the same limit: software statement claims, Client ID Metadata Documents and sector identifier
// documents. The nesting counter itself is checked against values built far past any stack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { jsonTextTooDeep, jsonValueTooDeep, MAX_JSON_DEPTH } from '../../src/core/credentials/encoding.js';
import { ClientResolutionError } from '../../src/core/host/client-resolution-error.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { recordingStore, register, startRegistrar, type TestServer } from '../helpers/http.js';
import { keyPair, type TestKeyPair } from '../helpers/key-server.js';
import {
  type HttpsTestServer,
  loopbackFetchOptions,
  startHttpsServer,
  tableResolver,
} from '../helpers/tls.js';

const ISSUER = 'https://statements.example';
const REDIRECT = ['https://client.example.org/cb'];
const KEY = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
const TOO_DEEP = `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`;

/** `levels` arrays (or objects, `{"a":...}`) around `0`, as text. */
function nested(levels: number, kind: 'arrays' | 'objects' = 'arrays'): string {
  return kind === 'arrays'
    ? `${'['.repeat(levels)}0${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}0${'}'.repeat(levels)}`;
}

/** `document` as JSON text with the string `"__nested__"` replaced by `text`. */
function withNested(document: Record<string, unknown>, text: string): string {
  return JSON.stringify(document).replace('"__nested__"', text);
}

/** A JWS over the exact payload text, so claims can nest deeper than JSON.stringify reaches. */
async function signPayload(key: TestKeyPair, payload: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

describe('the nesting counter', () => {
  it('counts the outermost array or object as level 1', () => {
    assert.equal(jsonTextTooDeep('{"a":[{}]}', 3), false);
    assert.equal(jsonTextTooDeep('{"a":[{}]}', 2), true);
    assert.equal(jsonValueTooDeep({ a: [{}] }, 3), false);
    assert.equal(jsonValueTooDeep({ a: [{}] }, 2), true);
    assert.equal(jsonTextTooDeep('"[[[["', 1), false);
    assert.equal(jsonValueTooDeep('[[[[', 0), false);
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `\\"${'['.repeat(100)}"{{{{\\`, b: ['"]]]'] });
    assert.equal(jsonTextTooDeep(text, 2), false);
    assert.equal(jsonTextTooDeep(text, 1), true);
  });

  it('measures a million levels of text or of parsed value without exhausting the stack', () => {
    assert.equal(jsonTextTooDeep(nested(1_000_000)), true);
    let value: unknown[] = [];
    for (let level = 1; level < 1_000_000; level++) value = [value];
    assert.equal(jsonValueTooDeep(value), true);
    assert.equal(jsonValueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH))), false);
    assert.equal(jsonValueTooDeep(JSON.parse(nested(MAX_JSON_DEPTH + 1))), true);
  });

  it('calls a cyclic value too deep instead of walking it forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(jsonValueTooDeep(cyclic), true);
  });
});

describe('registration and update bodies nested too deep', () => {
  let server: TestServer;
  const store = recordingStore(createMemoryStore());
  before(async () => {
    server = await startRegistrar({ registrationEnabled: true, registration: store });
  });
  after(() => server.close());

  const bodies: readonly [string, string][] = [
    [
      'a JWK member 5,000 arrays deep',
      withNested(
        {
          redirect_uris: REDIRECT,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...KEY, ext: '__nested__' }] },
        },
        nested(5000),
      ),
    ],
    [
      'client_name 40 objects deep',
      withNested({ redirect_uris: REDIRECT, client_name: '__nested__' }, nested(40, 'objects')),
    ],
    [
      'an unknown member one level too deep',
      withNested({ redirect_uris: REDIRECT, x_ext: '__nested__' }, nested(MAX_JSON_DEPTH)),
    ],
    ['redirect_uris 20,000 arrays deep', withNested({ redirect_uris: '__nested__' }, nested(20_000))],
    ['a top level 5,000 objects deep', nested(5000, 'objects')],
    ['a top level 5,000 arrays deep, unbalanced', '['.repeat(5000)],
  ];

  for (const [label, body] of bodies) {
    it(`refuses ${label} with 400 invalid_request, before the store`, async () => {
      const calls = store.calls.length;
      const { status, json } = await register(server.url, body);
      assert.equal(status, 400, JSON.stringify(json));
      assert.equal(json.error, 'invalid_request');
      assert.equal(json.error_description, TOO_DEEP);
      assert.equal(store.calls.length, calls, 'the store is never called');
    });
  }

  it('refuses an update nested too deep and keeps the registration', async () => {
    const created = await register(server.url, { redirect_uris: REDIRECT, client_name: 'Kept' });
    assert.equal(created.status, 201);
    const uri = created.json.registration_client_uri as string;
    const authorization = `Bearer ${created.json.registration_access_token}`;
    const updates = store.calls.filter((call) => call.name === 'updateClient').length;
    const response = await fetch(uri, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: withNested(
        { client_id: created.json.client_id, redirect_uris: REDIRECT, x_ext: '__nested__' },
        nested(5000),
      ),
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'invalid_request', error_description: TOO_DEEP });
    assert.equal(store.calls.filter((call) => call.name === 'updateClient').length, updates);
    const read = await fetch(uri, { headers: { authorization } });
    assert.equal(((await read.json()) as { client_name: string }).client_name, 'Kept');
  });

  it('accepts a body exactly MAX_JSON_DEPTH levels deep, and brackets in strings beyond it', async () => {
    const { status, json } = await register(
      server.url,
      withNested(
        {
          redirect_uris: REDIRECT,
          client_name: `${'['.repeat(100)}\\"${'{'.repeat(100)}`,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...KEY, ext: '__nested__' }] },
        },
        nested(MAX_JSON_DEPTH - 4),
      ),
    );
    assert.equal(status, 201, JSON.stringify(json));
    assert.equal(json.client_name, `${'['.repeat(100)}\\"${'{'.repeat(100)}`);
    const [key] = (json.jwks as { keys: Record<string, unknown>[] }).keys;
    assert.deepEqual(key?.ext, JSON.parse(nested(MAX_JSON_DEPTH - 4)));
  });
});

describe('software statement claims nested too deep', () => {
  let server: TestServer;
  let signer: TestKeyPair;
  const store = recordingStore(createMemoryStore());
  before(async () => {
    signer = await keyPair('ES256');
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      softwareStatement: { issuers: { [ISSUER]: { jwks: { keys: [signer.publicJwk] } } } },
    });
  });
  after(() => server.close());

  /** A signed statement whose `jwks` claim has a key member nesting the payload `depth` levels deep. */
  const statement = (depth: number) =>
    signPayload(
      signer,
      withNested(
        {
          iss: ISSUER,
          iat: Math.floor(Date.now() / 1000),
          software_id: 'deep',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...KEY, ext: '__nested__' }] },
        },
        // The payload, jwks, keys and the key take four levels.
        nested(depth - 4),
      ),
    );

  it('refuses a claim nested 5,000 arrays deep with 400 invalid_software_statement', async () => {
    const calls = store.calls.length;
    const { status, json } = await register(server.url, {
      redirect_uris: REDIRECT,
      software_statement: await statement(5000),
    });
    assert.equal(status, 400, JSON.stringify(json));
    assert.deepEqual(json, {
      error: 'invalid_software_statement',
      error_description: `The software statement claims nest arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
    });
    assert.equal(store.calls.length, calls);
  });

  it('takes claims exactly MAX_JSON_DEPTH levels deep and refuses one level more', async () => {
    const kept = await register(server.url, {
      redirect_uris: REDIRECT,
      software_statement: await statement(MAX_JSON_DEPTH),
    });
    assert.equal(kept.status, 201, JSON.stringify(kept.json));
    assert.equal(kept.json.software_id, 'deep');
    const refused = await register(server.url, {
      redirect_uris: REDIRECT,
      software_statement: await statement(MAX_JSON_DEPTH + 1),
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, 'invalid_software_statement');
  });
});

describe('fetched documents nested too deep', () => {
  let docs: HttpsTestServer;
  let server: TestServer;
  const bodies = new Map<string, string>();
  const origin = (host: string) => `https://${host}:${docs.port}`;
  before(async () => {
    docs = await startHttpsServer((req, res) => {
      const body = bodies.get(req.url ?? '');
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    server = await startRegistrar({
      registrationEnabled: true,
      registration: createMemoryStore(),
      subjectTypesSupported: ['public', 'pairwise'],
      clientIdMetadataDocuments: { enabled: true },
      fetch: loopbackFetchOptions(tableResolver({ 'client.test': '127.0.0.1', 'sector.test': '127.0.0.1' })),
    });
  });
  after(async () => {
    await server.close();
    await docs.close();
  });

  it('refuses a Client ID Metadata Document nested too deep as invalid_document', async () => {
    const deep = `${origin('client.test')}/deep.json`;
    bodies.set(
      '/deep.json',
      withNested({ client_id: deep, redirect_uris: REDIRECT, x_ext: '__nested__' }, nested(1000)),
    );
    await assert.rejects(server.registrar.resolveClient(deep), (error: unknown) => {
      assert.ok(error instanceof ClientResolutionError, String(error));
      assert.equal(error.code, 'invalid_document');
      assert.equal(
        error.message,
        `The client metadata document nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
      );
      return true;
    });
    const fine = `${origin('client.test')}/fine.json`;
    bodies.set(
      '/fine.json',
      withNested(
        { client_id: fine, redirect_uris: REDIRECT, x_ext: '__nested__' },
        nested(MAX_JSON_DEPTH - 1),
      ),
    );
    const resolved = await server.registrar.resolveClient(fine);
    assert.deepEqual(resolved.metadata.redirect_uris, REDIRECT);
  });

  it('refuses a sector identifier document nested too deep as invalid_client_metadata', async () => {
    bodies.set('/sector.json', `[${JSON.stringify(REDIRECT[0])},${nested(1000)}]`);
    const { status, json } = await register(server.url, {
      redirect_uris: REDIRECT,
      subject_type: 'pairwise',
      sector_identifier_uri: `${origin('sector.test')}/sector.json`,
    });
    assert.equal(status, 400, JSON.stringify(json));
    assert.equal(json.error, 'invalid_client_metadata');
    assert.equal(json.error_description, 'sector_identifier_uri did not return a JSON array of strings.');
  });
});
