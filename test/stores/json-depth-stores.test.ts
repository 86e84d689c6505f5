// services: postgres
// `registrar serve` on each bundled store (memory, a SQLite file, the real PostgreSQL) refuses JSON
// nested deeper than MAX_JSON_DEPTH on POST and PUT with 400 invalid_request, before the store, and
// keeps what a store can hold at the limit. Strings with U+0000 and lone surrogates are stored and
// returned as sent on every store: JSON text keeps them as escapes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/core/credentials/encoding.js';
import { type ServeProcess, startServe, unlimitedConfig } from '../helpers/cli.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../helpers/services.js';

const REDIRECT = ['https://client.example.org/cb'];
const KEY = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
/** Levels the body, `jwks`, `keys` and the key itself take before a key member's value. */
const KEY_MEMBER_LEVELS = 4;

/** `depth` arrays around `0`, as text: JSON.stringify of such a value would exhaust the stack. */
const nestedText = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

/** A registration whose JWK carries `ext` nested so the whole body is `depth` levels deep. */
function deepKeyBody(depth: number, extra: Record<string, unknown> = {}): string {
  const placeholder = '"__nested__"';
  const text = JSON.stringify({
    redirect_uris: REDIRECT,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [{ ...KEY, ext: '__nested__' }] },
    ...extra,
  });
  return text.replace(placeholder, nestedText(depth - KEY_MEMBER_LEVELS));
}

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function call(method: string, url: string, body?: string, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const dir = mkdtempSync(join(tmpdir(), 'registrar-depth-'));
const schema = uniqueName('json_depth');
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropSchema(schema);
});

const STORES: readonly [string, () => string[]][] = [
  ['memory', () => ['--store', 'memory:']],
  ['sqlite', () => ['--store', `sqlite:${join(dir, 'registrar.db')}`]],
  ['postgres', () => ['--store', POSTGRES_URL, '--pg-schema', schema]],
];

for (const [name, storeArgs] of STORES) {
  describe(`registrar serve on the ${name} store`, () => {
    let server: ServeProcess;
    const endpoint = () => `${server.url}/oauth/register`;
    before(async () => {
      server = await startServe(['--port', '0', ...storeArgs(), '--config', unlimitedConfig(dir)]);
    });
    after(() => server.stop());

    async function registered(body: Record<string, unknown> = { redirect_uris: REDIRECT }) {
      const created = await call('POST', endpoint(), JSON.stringify(body));
      assert.equal(created.status, 201, JSON.stringify(created.json));
      return {
        uri: created.json.registration_client_uri as string,
        token: created.json.registration_access_token as string,
        clientId: created.json.client_id as string,
      };
    }

    it('refuses a JWK member nested 5,000 arrays deep with 400 invalid_request, on POST and PUT', async () => {
      const posted = await call('POST', endpoint(), deepKeyBody(5000));
      assert.equal(posted.status, 400, JSON.stringify(posted.json));
      assert.equal(posted.json.error, 'invalid_request');
      assert.equal(
        posted.json.error_description,
        `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
      );
      const { uri, token, clientId } = await registered();
      const before = await call('GET', uri, undefined, token);
      const put = await call('PUT', uri, deepKeyBody(5000, { client_id: clientId }), token);
      assert.equal(put.status, 400, JSON.stringify(put.json));
      assert.equal(put.json.error, 'invalid_request');
      const now = await call('GET', uri, undefined, token);
      assert.deepEqual(now, before, 'the refused update changed nothing');
      assert.ok(!server.lines.some((line) => line.includes('"status":500')), server.lines.join('\n'));
    });

    it('stores a body exactly MAX_JSON_DEPTH levels deep and refuses one level more', async () => {
      const kept = await call('POST', endpoint(), deepKeyBody(MAX_JSON_DEPTH));
      assert.equal(kept.status, 201, JSON.stringify(kept.json));
      const read = await call(
        'GET',
        kept.json.registration_client_uri as string,
        undefined,
        kept.json.registration_access_token as string,
      );
      assert.equal(read.status, 200);
      const key = (read.json.jwks as { keys: Record<string, unknown>[] }).keys[0];
      assert.deepEqual(key?.ext, JSON.parse(nestedText(MAX_JSON_DEPTH - KEY_MEMBER_LEVELS)));
      const refused = await call('POST', endpoint(), deepKeyBody(MAX_JSON_DEPTH + 1));
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_request');
      const { uri, token, clientId } = await registered();
      const updated = await call('PUT', uri, deepKeyBody(MAX_JSON_DEPTH, { client_id: clientId }), token);
      assert.equal(updated.status, 200, JSON.stringify(updated.json));
      const tooDeep = await call(
        'PUT',
        uri,
        deepKeyBody(MAX_JSON_DEPTH + 1, { client_id: clientId }),
        updated.json.registration_access_token as string,
      );
      assert.equal(tooDeep.status, 400);
      assert.equal(tooDeep.json.error, 'invalid_request');
    });

    it('stores and returns strings with U+0000 and lone surrogates as sent, on POST and PUT', async () => {
      for (const odd of ['a\u0000b', '\ud800', 'x\udc00y', '\udbff\u0000\u009b']) {
        const metadata = {
          redirect_uris: REDIRECT,
          client_name: odd,
          contacts: [odd],
          software_version: odd,
          jwks: { keys: [{ ...KEY, kid: odd }] },
        };
        const { uri, token, clientId } = await registered(metadata);
        const read = await call('GET', uri, undefined, token);
        assert.equal(read.status, 200);
        assert.equal(read.json.client_name, odd);
        assert.deepEqual(read.json.contacts, [odd]);
        assert.equal(read.json.software_version, odd);
        assert.equal((read.json.jwks as { keys: { kid: string }[] }).keys[0]?.kid, odd);
        const renamed = `${odd}\u0000${odd}`;
        const put = await call(
          'PUT',
          uri,
          JSON.stringify({ ...metadata, client_id: clientId, client_name: renamed }),
          token,
        );
        assert.equal(put.status, 200, JSON.stringify(put.json));
        const again = await call('GET', uri, undefined, put.json.registration_access_token as string);
        assert.equal(again.json.client_name, renamed);
      }
    });
  });
}
