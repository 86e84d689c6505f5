// Property-based fuzzing of registration (POST) and update (PUT) bodies over real HTTP, judged by
// an oracle written apart from the validator (test/helpers/metadata-oracle.ts): never a 5xx, a 201
// exactly for the documents docs/behaviour.md accepts, the right error code for a single broken rule, 400
// invalid_request for a body nested deeper than 32 levels, and a store that never sees a plaintext
// credential. Token request forms with values that are not strings go to authenticateClient
// directly and through an Express token endpoint behind express.urlencoded({ extended: true }).
// REGISTRAR_LONG_TESTS=1 runs twenty times as many cases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { RegistrationError } from '../../src/core/errors.js';
import type { RegistrationStore } from '../../src/core/store/registration-store.js';
import { errorHeaders } from '../../src/http/error-response.js';
import type { TokenRequest } from '../../src/http/token-request.js';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { memoryLogger, recordingStore, startRegistrar, type TestServer } from '../helpers/http.js';
import { type Listening, listenOnLoopback } from '../helpers/listen.js';
import {
  CLIENT_ID_MARK,
  CLIENT_SECRET_MARK,
  documentWithOneViolation,
  FUZZ_SETTINGS,
  mixedDocument,
  nestedBody,
  tokenForm,
  validDocument,
  withoutServerOwned,
} from '../helpers/metadata-arbitraries.js';
import {
  CHOICE_LISTS,
  judge,
  judgeForm,
  judgeNesting,
  SERVER_OWNED,
  TAGGABLE,
} from '../helpers/metadata-oracle.js';

const LONG = process.env.REGISTRAR_LONG_TESTS === '1';
const runs = (count: number) => ({ numRuns: LONG ? count * 20 : count });
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);
const BASE = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Base' };

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  json: Json;
}

let server: TestServer;
let store: RegistrationStore<ClientRegistration> & { calls: { name: string; args: unknown[] }[] };
const logger = memoryLogger();
/** Every plaintext client secret and registration access token any response carried. */
const issued = new Set<string>();

async function send(
  method: string,
  url: string,
  body?: string | Uint8Array,
  token?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const payload = typeof body === 'string' || body === undefined ? body : Buffer.from(body);
  const response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  assert.ok(response.status < 500, `${method} answered ${response.status}: ${text}`);
  const json = text === '' ? {} : (JSON.parse(text) as Json);
  if (json.error_description !== undefined) {
    // RFC 6749 section 5.2: printable ASCII except '"' and '\', whatever the client sent.
    assert.match(json.error_description as string, /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/, text);
  }
  for (const member of ['client_secret', 'registration_access_token']) {
    if (typeof json[member] === 'string') issued.add(json[member] as string);
  }
  return { status: response.status, json };
}

const post = (body: unknown) =>
  send(
    'POST',
    `${server.url}/oauth/register`,
    typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  );

/** The members of a 201 or 200 that the oracle's verdict fixes. */
function assertEchoes(answer: Answer, document: Json): void {
  const verdict = judge(document, FUZZ_SETTINGS);
  const { json } = answer;
  assert.equal(json.application_type, verdict.applicationType);
  assert.equal(json.token_endpoint_auth_method, verdict.authMethod);
  assert.deepEqual(json.grant_types, verdict.grantTypes);
  assert.deepEqual(json.response_types, verdict.responseTypes);
  assert.equal(json.id_token_signed_response_alg, verdict.idTokenSignedResponseAlg);
  assert.equal(json.require_auth_time, verdict.requireAuthTime);
  const lists = new Set(CHOICE_LISTS.map(([list]) => list));
  for (const [list, member] of CHOICE_LISTS) {
    if (document[list] === undefined || document[list] === null) continue;
    assert.ok(!(list in json), `${list} is not echoed`);
    assert.equal(json[member], verdict.chosen.get(member), `${member} is settled from ${list}`);
  }
  for (const [member, value] of Object.entries(document)) {
    if (lists.has(member) || verdict.chosen.has(member)) continue;
    const tagged = member.split('#', 1)[0] as string;
    if (member.includes('#') && !(TAGGABLE as readonly string[]).includes(tagged)) continue;
    if ((SERVER_OWNED as readonly string[]).includes(member)) continue;
    if (member.startsWith('x_')) assert.ok(!(member in json), `unknown member ${member} is not echoed`);
    else if (member === 'redirect_uris' || member === 'post_logout_redirect_uris')
      assert.deepEqual(json[member], value === null ? undefined : [...new Set(value as string[])]);
    else if (
      value !== null &&
      !['client_secret', 'client_id', 'grant_types', 'response_types'].includes(member)
    )
      assert.deepEqual(json[member], value, `${member} is echoed as sent`);
  }
  assert.equal(typeof json.registration_access_token, 'string');
}

before(async () => {
  store = recordingStore(createMemoryStore());
  server = await startRegistrar({
    registrationEnabled: true,
    registration: store,
    grantTypesSupported: FUZZ_SETTINGS.grantTypes,
    responseTypesSupported: FUZZ_SETTINGS.responseTypes,
    tokenEndpointAuthMethodsSupported: FUZZ_SETTINGS.authMethods,
    signingAlgValuesSupported: FUZZ_SETTINGS.signingAlgs,
    logger,
  });
});
after(() => server.close());

describe('fuzzing registration bodies (RFC 7591, docs/behaviour.md)', () => {
  it('registers every document the oracle finds valid, echoing what it must', async () => {
    await fc.assert(
      fc.asyncProperty(validDocument, async (document) => {
        const answer = await post(document);
        assert.equal(answer.status, 201, JSON.stringify(answer.json));
        assertEchoes(answer, document);
        assert.equal(
          typeof answer.json.client_secret === 'string',
          SECRET_METHODS.has(judge(document, FUZZ_SETTINGS).authMethod),
        );
      }),
      runs(150),
    );
  });

  it('refuses a document with one broken rule with that rule’s error code, before the store', async () => {
    await fc.assert(
      fc.asyncProperty(documentWithOneViolation, async ({ document, code, violation }) => {
        assert.ok(
          judge(document, FUZZ_SETTINGS).codes.has(code),
          `the oracle agrees that ${violation} is ${code}`,
        );
        const writes = store.calls.length;
        const answer = await post(document);
        assert.equal(answer.status, 400, `${violation}: ${JSON.stringify(answer.json)}`);
        assert.equal(answer.json.error, code, violation);
        assert.equal(typeof answer.json.error_description, 'string');
        assert.equal(store.calls.length, writes, 'a refused document never reaches the store');
      }),
      runs(400),
    );
  });

  it('answers any mixture of valid and refused members as the oracle does, never with a 5xx', async () => {
    let created = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(mixedDocument, fc.boolean(), async (document, pollute) => {
        let body = JSON.stringify(document);
        // JSON.parse makes "__proto__" an own member; it must never reach a prototype.
        if (pollute) {
          const rest = body === '{}' ? '}' : `,${body.slice(1)}`;
          body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}${rest}`;
        }
        const verdict = judge(document, FUZZ_SETTINGS);
        const answer = await post(body);
        if (verdict.codes.size === 0) {
          created++;
          assert.equal(answer.status, 201, JSON.stringify(answer.json));
          assert.ok(
            answer.json.client_secret !== 'chosen-by-the-client',
            'a client cannot choose its secret',
          );
        } else {
          refused++;
          assert.equal(
            answer.status,
            400,
            `expected one of ${[...verdict.codes]}: ${JSON.stringify(answer.json)}`,
          );
          assert.ok(
            verdict.codes.has(answer.json.error as never),
            `${answer.json.error} is among ${[...verdict.codes]}`,
          );
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
      }),
      runs(300),
    );
    assert.ok(created > 0 && refused > 0, `both outcomes occur (${created} created, ${refused} refused)`);
  });

  it('answers arbitrary bodies with a 400, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null'),
          fc.uint8Array({ maxLength: 40 }),
        ),
        async (body) => {
          const answer = await post(body);
          assert.equal(answer.status, 400, String(body));
          let parsed: unknown;
          try {
            parsed = JSON.parse(
              typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body),
            );
          } catch {
            parsed = undefined;
          }
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
            assert.equal(answer.json.error, 'invalid_request');
          }
        },
      ),
      runs(200),
    );
  });
});

describe('fuzzing nesting depth (MAX_JSON_DEPTH)', () => {
  it('refuses a body nested deeper than 32 levels with 400 invalid_request, before the store, on POST', async () => {
    const seen = { tooDeep: 0, within: 0 };
    await fc.assert(
      fc.asyncProperty(nestedBody, async (body) => {
        const writes = store.calls.length;
        const answer = await post(body.text());
        const label = `${body.place}, ${body.depth} levels`;
        seen[judgeNesting(body.depth) === null ? 'within' : 'tooDeep']++;
        if (judgeNesting(body.depth) !== null || body.judged === null) {
          assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.json)}`);
          assert.equal(answer.json.error, 'invalid_request', label);
          assert.equal(store.calls.length, writes, 'a refused body never reaches the store');
          return;
        }
        const { codes } = judge(body.judged, FUZZ_SETTINGS);
        if (codes.size === 0) assert.equal(answer.status, 201, `${label}: ${JSON.stringify(answer.json)}`);
        else {
          assert.equal(answer.status, 400, label);
          assert.ok(
            codes.has(answer.json.error as never),
            `${label}: ${answer.json.error} is among ${[...codes]}`,
          );
        }
      }),
      runs(150),
    );
    assert.ok(seen.tooDeep > 0 && seen.within > 0, `both sides of the limit occur (${JSON.stringify(seen)})`);
  });

  it('refuses an update nested deeper than 32 levels and leaves the registration untouched', async () => {
    await fc.assert(
      fc.asyncProperty(nestedBody, async (body) => {
        const base = await post(BASE);
        assert.equal(base.status, 201);
        const uri = base.json.registration_client_uri as string;
        const token = base.json.registration_access_token as string;
        const answer = await send('PUT', uri, body.text({ client_id: base.json.client_id }), token);
        const label = `${body.place}, ${body.depth} levels`;
        // A nested top level carries no client_id, which RFC 7592 §2.2 makes invalid_request too.
        if (judgeNesting(body.depth) !== null || body.judged === null || body.place === 'top level') {
          assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.json)}`);
          assert.equal(answer.json.error, 'invalid_request', label);
          const read = await send('GET', uri, undefined, token);
          assert.equal(read.json.client_name, BASE.client_name, 'a refused update changes nothing');
          return;
        }
        const { codes } = judge(body.judged, FUZZ_SETTINGS);
        if (codes.size === 0) assert.equal(answer.status, 200, `${label}: ${JSON.stringify(answer.json)}`);
        else
          assert.ok(
            codes.has(answer.json.error as never),
            `${label}: ${answer.json.error} is among ${[...codes]}`,
          );
      }),
      runs(60),
    );
  });
});

describe('fuzzing token request form values', () => {
  let host: Listening;
  const client = { id: '', secret: '' };
  /** The form with the placeholders replaced by the registered client's id and secret. */
  const AUTHENTICATING_FORM = {
    grant_type: 'client_credentials',
    client_id: CLIENT_ID_MARK,
    client_secret: CLIENT_SECRET_MARK,
  };
  const filled = (form: Record<string, unknown>): Record<string, unknown> => {
    const fill = (value: unknown): unknown =>
      value === CLIENT_ID_MARK
        ? client.id
        : value === CLIENT_SECRET_MARK
          ? client.secret
          : Array.isArray(value)
            ? value.map(fill)
            : value;
    return Object.fromEntries(Object.entries(form).map(([name, value]) => [name, fill(value)]));
  };

  before(async () => {
    const created = await post({
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    assert.equal(created.status, 201);
    client.id = created.json.client_id as string;
    client.secret = created.json.client_secret as string;
    host = await listenOnLoopback();
    const app = express();
    // The README's token endpoint, on Express with the extended form parser.
    app.post('/token', express.urlencoded({ extended: true }), async (req, res) => {
      try {
        const { clientId } = await server.registrar.authenticateClient({
          headers: req.headers,
          body: req.body,
        });
        res.json({ client_id: clientId });
      } catch (error) {
        if (!(error instanceof RegistrationError)) throw error;
        res
          .status(error.status)
          .set(errorHeaders(error))
          .json({ error: error.code, error_description: error.description });
      }
    });
    host.server.on('request', app);
  });
  after(() => host.close());

  /** How often each verdict came up, so a run shows it reached all three. */
  const tally = (): Record<string, number> => ({ authenticated: 0, invalid_request: 0, invalid_client: 0 });
  const assertAllOccur = (seen: Record<string, number>) =>
    assert.ok(
      Object.values(seen).every((count) => count > 0),
      `every verdict occurs (${JSON.stringify(seen)})`,
    );

  it('answers any form passed to authenticateClient as the oracle does, always as a RegistrationError', async () => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(tokenForm('any'), async (generated) => {
        const form = filled(generated);
        const verdict = judgeForm(form, client);
        seen[verdict] = (seen[verdict] ?? 0) + 1;
        try {
          const { clientId } = await server.registrar.authenticateClient({
            headers: {},
            body: form,
          } as unknown as TokenRequest);
          assert.equal(verdict, 'authenticated', `authenticated ${clientId}`);
        } catch (error) {
          assert.ok(error instanceof RegistrationError, String(error));
          assert.equal(error.code, verdict);
          assert.equal(error.status, verdict === 'invalid_client' ? 401 : 400);
        }
      }),
      // A correct form among the generated ones, so every run sees an authentication succeed.
      { ...runs(300), examples: [[AUTHENTICATING_FORM]] },
    );
    assertAllOccur(seen);
  });

  it('answers bracketed forms behind express.urlencoded({ extended: true }) as the oracle does, never a 5xx', async () => {
    /** The URL-encoded body an extended parser turns back into `form`. */
    const encode = (form: Record<string, unknown>): string => {
      const parts: string[] = [];
      const add = (name: string, value: unknown): void => {
        if (typeof value === 'string') parts.push(`${name}=${encodeURIComponent(value)}`);
        else if (Array.isArray(value)) {
          for (const [index, entry] of value.entries())
            add(typeof entry === 'string' ? name : `${name}[${index}]`, entry);
        } else for (const [key, entry] of Object.entries(value as object)) add(`${name}[${key}]`, entry);
      };
      for (const [name, value] of Object.entries(form)) add(encodeURIComponent(name), value);
      return parts.join('&');
    };
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(tokenForm('brackets'), async (generated) => {
        const form = filled(generated);
        const verdict = judgeForm(form, client);
        seen[verdict] = (seen[verdict] ?? 0) + 1;
        const response = await fetch(`${host.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encode(form),
        });
        const text = await response.text();
        assert.ok(response.status < 500, `${response.status}: ${text}`);
        const json = JSON.parse(text) as { client_id?: string; error?: string };
        if (verdict === 'authenticated') assert.equal(json.client_id, client.id, text);
        else assert.equal(json.error, verdict, `${encode(form)}: ${text}`);
      }),
      { ...runs(200), examples: [[AUTHENTICATING_FORM]] },
    );
    assertAllOccur(seen);
  });
});

/** A framing error of RFC 7592 §2.2 that makes any update a 400 `invalid_request`. */
const framing = fc.constantFrom(
  'none',
  'no client_id',
  'another client_id',
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
  'a wrong client_secret',
  'the right client_secret',
);

describe('fuzzing update bodies (RFC 7592 §2.2, docs/behaviour.md)', () => {
  it('replaces a registration exactly when the oracle accepts the body, and leaves it untouched otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validDocument.map((document) => ({ document, code: undefined })),
          documentWithOneViolation,
          mixedDocument.map((document) => ({ document, code: undefined })),
        ),
        framing,
        async ({ document: generated, code }, frame) => {
          const base = await post(BASE);
          assert.equal(base.status, 201);
          const clientId = base.json.client_id as string;
          const uri = base.json.registration_client_uri as string;
          const token = base.json.registration_access_token as string;
          const document = withoutServerOwned(generated);
          const body: Json = { ...document, client_id: clientId };
          if (frame === 'no client_id') delete body.client_id;
          else if (frame === 'another client_id') body.client_id = 'another-client';
          else if (frame === 'a wrong client_secret') body.client_secret = 'not-the-secret';
          else if (frame === 'the right client_secret') body.client_secret = base.json.client_secret;
          else if (frame !== 'none') body[frame] = frame.endsWith('_at') ? 0 : 'sent-by-the-client';
          const verdict = judge(document, FUZZ_SETTINGS);
          const answer = await send('PUT', uri, JSON.stringify(body), token);
          const framed = frame !== 'none' && frame !== 'the right client_secret';
          if (framed || verdict.codes.size > 0) {
            assert.equal(answer.status, 400, JSON.stringify(answer.json));
            if (framed) assert.equal(answer.json.error, 'invalid_request', frame);
            else if (code) assert.equal(answer.json.error, code);
            else assert.ok(verdict.codes.has(answer.json.error as never));
            const read = await send('GET', uri, undefined, token);
            assert.equal(read.status, 200, 'the token still works after a refused update');
            const { registration_access_token: _, client_secret: __, ...before } = base.json;
            const { registration_access_token: ___, ...now } = read.json;
            assert.deepEqual(now, before, 'a refused update changes nothing');
            return;
          }
          assert.equal(answer.status, 200, JSON.stringify(answer.json));
          assertEchoes(answer, document);
          const method = verdict.authMethod;
          assert.equal(
            answer.json.client_secret,
            undefined,
            'a client that keeps a secret method keeps its secret',
          );
          assert.equal('client_secret_expires_at' in answer.json, SECRET_METHODS.has(method));
          const rotated = answer.json.registration_access_token as string;
          assert.notEqual(rotated, token);
          assert.equal((await send('GET', uri, undefined, token)).status, 401, 'the old token is dead');
          const read = await send('GET', uri, undefined, rotated);
          assert.equal(read.status, 200);
          assert.deepEqual(read.json, answer.json);
        },
      ),
      runs(200),
    );
  });
});

describe('after the fuzzing', () => {
  it('never handed the store, or wrote to a log, a plaintext secret or token', () => {
    assert.ok(issued.size > 500, `the runs issued credentials (${issued.size})`);
    const stored = store.calls.map((call) => JSON.stringify(call.args));
    const logged = logger.records.map((record) => JSON.stringify(record));
    assert.ok(stored.length > 0);
    for (const credential of issued) {
      for (const text of stored)
        assert.ok(!text.includes(credential), 'no plaintext credential reaches the store');
      for (const text of logged) assert.ok(!text.includes(credential), 'no plaintext credential is logged');
    }
  });
});
