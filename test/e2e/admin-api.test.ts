// services: postgres
// The admin API over real HTTP on loopback: the handler mounted in node:http on the memory,
// SQLite and PostgreSQL stores (listing, paging, filters, create), every route checked against
// the served OpenAPI document, auth refusals, bad input that never reaches a 5xx, secrets absent
// from listings, events and audit lines; and `registrar serve --admin-port` with a token from
// `registrar admin-token create`, bound to loopback by default.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { nodeCrypto } from '../../src/adapters/node.js';
import { type AdminHandler, type AdminRoute, createAdminHandler } from '../../src/admin/admin-handler.js';
import { parseAdminTokenHashes } from '../../src/admin/admin-tokens.js';
import { MAX_SCANNED_PER_PAGE } from '../../src/admin/list-clients.js';
import { createRecentEvents } from '../../src/admin/recent-events.js';
import type { ClientRegistration } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import type { BundledStoreWithTokens } from '../../src/store/bundled-store.js';
import { openStore, STORE_KINDS } from '../helpers/bundled-stores.js';
import { adminUrlOf, runCommand, startServe } from '../helpers/cli.js';
import { memoryLogger } from '../helpers/http.js';
import { listenOnLoopback } from '../helpers/listen.js';

const TOKEN = 'admin-test-token-0123456789abcdefghijklmnopqrstuv';
const OTHER_TOKEN = 'other-test-token-0123456789abcdefghijklmnopqrstuv';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const TOKENS = parseAdminTokenHashes(`ops:${hex(TOKEN)},${hex(OTHER_TOKEN)}`);

interface Admin {
  readonly url: string;
  readonly handler: AdminHandler;
  readonly store: BundledStoreWithTokens;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly events: unknown[];
  close(): Promise<void>;
}

async function startAdmin(kind: (typeof STORE_KINDS)[number], routes: AdminRoute[] = []): Promise<Admin> {
  const opened = await openStore(kind);
  const logger = memoryLogger();
  const recent = createRecentEvents();
  const events: unknown[] = [];
  const registrar = createRegistrar({
    issuer: 'https://as.example',
    registration: opened.store,
    crypto: nodeCrypto,
    logger,
    onEvent: (event) => {
      events.push(event);
      recent.record(event);
    },
  });
  const handler = createAdminHandler({
    registrar,
    store: opened.store,
    tokens: TOKENS,
    logger,
    events: recent,
    onEvent: (event) => {
      events.push(event);
    },
    routes,
  });
  const listening = await listenOnLoopback();
  listening.server.on('request', handler.listener);
  return {
    url: listening.url,
    handler,
    store: opened.store,
    logger,
    events,
    async close() {
      await listening.close();
      await opened.close();
    },
  };
}

async function call(
  admin: Admin,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${admin.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = null;
  if (response.headers.get('content-type') === 'application/json') json = JSON.parse(text);
  return { status: response.status, headers: response.headers, json, text };
}

const REDIRECT = { redirect_uris: ['https://app.example/callback'] };

function stored(clientId: string, extra: Partial<ClientRegistration> = {}): ClientRegistration {
  return {
    client_id: clientId,
    client_id_issued_at: 1_700_000_000,
    client_secret_expires_at: 0,
    metadata: { ...REDIRECT, token_endpoint_auth_method: 'none', client_name: clientId },
    ...extra,
  };
}

/** Every page of a listing query, following `next_cursor`. */
async function allPages(admin: Admin, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await call(
      admin,
      'GET',
      `/admin/v1/clients?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    assert.equal(response.status, 200, response.text);
    const page = response.json as { clients: { client_id: string }[]; next_cursor: string | null };
    ids.push(...page.clients.map((client) => client.client_id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}

for (const kind of STORE_KINDS) {
  describe(`admin API on the ${kind} store: create, paging and filters`, () => {
    let admin: Admin;
    before(async () => {
      admin = await startAdmin(kind);
    });
    after(() => admin.close());

    it('creates clients and pages through them with filters', async () => {
      const created: string[] = [];
      const secrets: string[] = [];
      for (let index = 0; index < 5; index++) {
        const response = await call(admin, 'POST', '/admin/v1/clients', {
          ...REDIRECT,
          client_name: index % 2 === 0 ? `Even App ${index}` : `odd app ${index}`,
          software_id: `sw-${index % 2}`,
        });
        assert.equal(response.status, 201, response.text);
        const body = response.json as { client_id: string; client_secret?: string; status: string };
        assert.equal(body.status, 'active');
        assert.equal(typeof body.client_secret, 'string');
        created.push(body.client_id);
        secrets.push(body.client_secret as string);
      }
      const all = await allPages(admin, 'limit=2');
      assert.deepEqual(all.ids, [...created].sort());
      assert.equal(all.pages, 3);
      const even = await allPages(admin, 'limit=1&name=EVEN%20app');
      assert.equal(even.ids.length, 3);
      const odd = await allPages(admin, 'limit=2&software_id=sw-1');
      assert.deepEqual(odd.ids, [created[1], created[3]].sort());
      const listing = await call(admin, 'GET', '/admin/v1/clients?limit=200');
      for (const member of [
        '"client_secret"',
        'client_secret_hash',
        'registration_access_token',
        'sha256:',
      ]) {
        assert.equal(listing.text.includes(member), false, `${member} in a listing`);
      }
      for (const secret of secrets) assert.equal(listing.text.includes(secret), false);
    });
  });
}

describe('admin API routes (memory store)', () => {
  let admin: Admin;
  const covered = new Set<string>();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  let spec: {
    paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
    components: { responses: Record<string, Record<string, unknown>> };
  };

  before(async () => {
    admin = await startAdmin('memory', [
      {
        method: 'GET',
        path: '/metrics',
        auth: true,
        handle: (_req, res, who) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`metrics for ${who?.label}\n`);
        },
        openapi: { get: { summary: 'Metrics', responses: { '200': { description: 'Prometheus text.' } } } },
      },
      {
        method: 'GET',
        path: '/console*',
        auth: false,
        handle: (req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`console ${req.url}`);
        },
      },
    ]);
    const served = await call(admin, 'GET', '/admin/v1/openapi.json');
    assert.equal(served.status, 200);
    spec = served.json as typeof spec;
    ajv.addSchema(spec as object, 'admin');
  });
  after(() => admin.close());

  /** Calls the API and checks the answer against the documented operation; records it as covered. */
  async function documented(method: string, template: string, path: string, body?: unknown) {
    const response = await call(admin, method, path, body);
    const operation = spec.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is not documented`);
    let answer = operation.responses[String(response.status)];
    assert.ok(
      answer,
      `${method} ${template} answered ${response.status}, which is not documented: ${response.text}`,
    );
    const reference = answer.$ref as string | undefined;
    if (reference !== undefined)
      answer = spec.components.responses[reference.split('/').pop() as string] ?? {};
    const content = answer.content as Record<string, { schema: unknown }> | undefined;
    if (content === undefined) {
      assert.equal(response.text, '', `${method} ${template} ${response.status} has an undocumented body`);
    } else {
      const schema = content['application/json']?.schema as { $ref?: string };
      const validate = ajv.compile(schema.$ref === undefined ? schema : { $ref: `admin${schema.$ref}` });
      assert.ok(validate(response.json), `${method} ${template}: ${ajv.errorsText(validate.errors)}`);
    }
    covered.add(`${method} ${template}`);
    return response;
  }

  it('answers every route the OpenAPI document describes, and describes every route it answers', async () => {
    const answered = admin.handler
      .operations()
      .map(({ method, path }) => `${method} ${path}`)
      .filter((operation) => !operation.includes('/console'))
      .sort();
    const described = Object.entries(spec.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'put', 'post', 'delete'].includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    assert.deepEqual(answered, described);
    assert.equal(spec.paths['/metrics'] !== undefined, true);
  });

  it('refuses a missing, wrong or query-string token, and never sends CORS headers', async () => {
    const missing = await call(admin, 'GET', '/admin/v1/clients', undefined, null);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.equal((missing.json as { error: string }).error, 'invalid_token');
    assert.equal((await call(admin, 'GET', '/admin/v1/clients', undefined, 'wrong')).status, 401);
    const query = await call(admin, 'GET', `/admin/v1/clients?access_token=${TOKEN}`, undefined, null);
    assert.equal(query.status, 401);
    const basic = await fetch(`${admin.url}/admin/v1/clients`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
    assert.equal((await call(admin, 'GET', '/admin/v1/clients', undefined, OTHER_TOKEN)).status, 200);
    assert.equal((await call(admin, 'GET', '/metrics', undefined, null)).status, 401);
    const metrics = await call(admin, 'GET', '/metrics');
    assert.equal(metrics.text, 'metrics for ops\n');
    assert.equal(
      (await call(admin, 'GET', '/console/app.js', undefined, null)).text,
      'console /console/app.js',
    );
    const preflight = await fetch(`${admin.url}/admin/v1/clients`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.status, 405);
    const withOrigin = await fetch(`${admin.url}/admin/v1/clients`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` },
    });
    for (const response of [preflight, withOrigin]) {
      const names: string[] = [];
      response.headers.forEach((_value, name) => {
        names.push(name);
      });
      assert.deepEqual(
        names.filter((name) => name.startsWith('access-control-')),
        [],
      );
    }
    assert.equal(withOrigin.headers.get('cache-control'), 'no-store');
  });

  it('creates, shows, updates, rotates, authenticates, resolves, reports use and deletes a client', async () => {
    const created = await documented('POST', '/admin/v1/clients', '/admin/v1/clients', {
      ...REDIRECT,
      client_name: '<script>alert(1)</script>',
    });
    assert.equal(created.status, 201);
    const { client_id: clientId, client_secret: secret } = created.json as {
      client_id: string;
      client_secret: string;
    };
    const path = `/admin/v1/clients/${encodeURIComponent(clientId)}`;
    const shown = await documented('GET', '/admin/v1/clients/{client_id}', path);
    assert.equal((shown.json as { client_name: string }).client_name, '<script>alert(1)</script>');
    assert.equal(shown.text.includes(secret), false);
    const updated = await documented('PUT', '/admin/v1/clients/{client_id}', path, {
      ...REDIRECT,
      client_name: 'Renamed',
    });
    assert.equal((updated.json as { client_name: string }).client_name, 'Renamed');
    const basic = (s: string) => `Basic ${Buffer.from(`${clientId}:${s}`).toString('base64')}`;
    const authenticated = await documented('POST', '/admin/v1/authenticate', '/admin/v1/authenticate', {
      authorization: basic(secret),
    });
    assert.deepEqual(authenticated.json, {
      client_id: clientId,
      source: 'registration',
      method: 'client_secret_basic',
      public_client: false,
    });
    const rotated = await documented('POST', '/admin/v1/clients/{client_id}/secret', `${path}/secret`);
    const newSecret = (rotated.json as { client_secret: string }).client_secret;
    assert.notEqual(newSecret, secret);
    const old = await documented('POST', '/admin/v1/authenticate', '/admin/v1/authenticate', {
      authorization: basic(secret),
    });
    assert.equal(old.status, 401);
    assert.equal((old.json as { error: string }).error, 'invalid_client');
    const byForm = await call(admin, 'POST', '/admin/v1/authenticate', {
      form: { client_id: clientId, client_secret: newSecret },
    });
    // The client registered client_secret_basic: the form method is refused.
    assert.equal(byForm.status, 401);
    assert.equal(
      (await call(admin, 'POST', '/admin/v1/authenticate', { authorization: basic(newSecret) })).status,
      200,
    );
    const resolved = await documented('POST', '/admin/v1/resolve', '/admin/v1/resolve', {
      client_id: clientId,
    });
    assert.equal((resolved.json as { client: { source: string } }).client.source, 'registration');
    const unknown = await documented('POST', '/admin/v1/resolve', '/admin/v1/resolve', {
      client_id: 'nobody',
    });
    assert.equal((unknown.json as { error: string }).error, 'unknown_client');
    const use = await documented('POST', '/admin/v1/clients/{client_id}/use', `${path}/use`);
    assert.deepEqual(use.json, { client_id: clientId, activated: false });
    assert.ok(((await admin.store.loadClient(clientId)) as ClientRegistration).last_used_at !== undefined);
    const events = await documented('GET', '/admin/v1/clients/{client_id}/events', `${path}/events`);
    const kept = events.json as {
      events: { type: string; action?: string; admin?: string }[];
      kept: boolean;
    };
    assert.equal(kept.kept, true);
    assert.deepEqual(
      kept.events
        .filter((event) => event.type === 'admin.action')
        .map((event) => [event.action, event.admin]),
      [
        ['client.create', 'ops'],
        ['client.update', 'ops'],
        ['client.rotate_secret', 'ops'],
        ['client.report_use', 'ops'],
      ],
    );
    assert.ok(kept.events.some((event) => event.type === 'client.secret_rotated'));
    assert.equal((await documented('DELETE', '/admin/v1/clients/{client_id}', path)).status, 204);
    assert.equal((await documented('GET', '/admin/v1/clients/{client_id}', path)).status, 404);
    assert.equal((await documented('DELETE', '/admin/v1/clients/{client_id}', path)).status, 404);
    assert.equal((await documented('POST', '/admin/v1/clients/{client_id}/use', `${path}/use`)).status, 404);
    const none = await documented(
      'GET',
      '/admin/v1/clients/{client_id}/events',
      '/admin/v1/clients/nobody/events',
    );
    assert.deepEqual(none.json, { events: [], kept: false });

    const audit = admin.logger.records.filter((record) => record.msg === 'admin action');
    assert.deepEqual(
      audit.map((record) => [record.admin, record.action, record.client_id]),
      [
        ['ops', 'client.create', clientId],
        ['ops', 'client.update', clientId],
        ['ops', 'client.rotate_secret', clientId],
        ['ops', 'client.report_use', clientId],
        ['ops', 'client.delete', clientId],
      ],
    );
    const everything = JSON.stringify([admin.logger.records, admin.events, kept]);
    for (const value of [secret, newSecret, TOKEN]) assert.equal(everything.includes(value), false);
  });

  it('approves and rejects clients held for approval', async () => {
    await admin.store.registerClient(stored('pending-a', { pending_approval: true }));
    await admin.store.registerClient(stored('pending-b', { pending_approval: true }));
    const listed = await documented('GET', '/admin/v1/clients', '/admin/v1/clients?status=pending');
    assert.deepEqual(
      (listed.json as { clients: { client_id: string }[] }).clients.map((client) => client.client_id),
      ['pending-a', 'pending-b'],
    );
    const pendingUse = await documented(
      'POST',
      '/admin/v1/clients/{client_id}/use',
      '/admin/v1/clients/pending-a/use',
    );
    assert.equal((pendingUse.json as { error: string }).error, 'pending_approval');
    const approved = await documented(
      'POST',
      '/admin/v1/clients/{client_id}/approve',
      '/admin/v1/clients/pending-a/approve',
    );
    assert.equal((approved.json as { status: string }).status, 'active');
    assert.equal(
      (
        await documented(
          'POST',
          '/admin/v1/clients/{client_id}/approve',
          '/admin/v1/clients/pending-a/approve',
        )
      ).status,
      409,
    );
    assert.equal(
      (await documented('POST', '/admin/v1/clients/{client_id}/reject', '/admin/v1/clients/pending-b/reject'))
        .status,
      204,
    );
    assert.equal(await admin.store.loadClient('pending-b'), null);
    assert.equal(
      (await documented('POST', '/admin/v1/clients/{client_id}/reject', '/admin/v1/clients/pending-b/reject'))
        .status,
      404,
    );
    assert.equal(
      (await documented('POST', '/admin/v1/clients/{client_id}/approve', '/admin/v1/clients/nobody/approve'))
        .status,
      404,
    );
    assert.equal(
      (await documented('POST', '/admin/v1/clients/{client_id}/secret', '/admin/v1/clients/pending-a/secret'))
        .status,
      400,
    );
    assert.equal(
      (await documented('PUT', '/admin/v1/clients/{client_id}', '/admin/v1/clients/nobody', REDIRECT)).status,
      404,
    );
    assert.equal(
      (await documented('POST', '/admin/v1/clients/{client_id}/secret', '/admin/v1/clients/nobody/secret'))
        .status,
      404,
    );
    assert.equal((await admin.store.unregisterClient(stored('pending-a')))?.ok, true);
  });

  it('creates, lists and revokes initial access tokens, never showing a hash', async () => {
    const created = await documented(
      'POST',
      '/admin/v1/initial-access-tokens',
      '/admin/v1/initial-access-tokens',
      {
        label: 'partner',
        expires_in: 3600,
        uses: 2,
        policy: { force: { scope: 'read' } },
      },
    );
    assert.equal(created.status, 201, created.text);
    const { id, token } = created.json as { id: string; token: string };
    const record = await admin.store.findInitialAccessToken(
      `sha256:${createHash('sha256').update(token).digest('base64url')}`,
    );
    assert.equal(record?.id, id);
    const listed = await documented(
      'GET',
      '/admin/v1/initial-access-tokens',
      '/admin/v1/initial-access-tokens',
    );
    const tokens = (listed.json as { tokens: Record<string, unknown>[] }).tokens;
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0]?.uses_left, 2);
    assert.equal(listed.text.includes(token), false);
    assert.equal(listed.text.includes('token_hash'), false);
    assert.equal(listed.text.includes(record?.token_hash as string), false);
    const bad = await documented(
      'POST',
      '/admin/v1/initial-access-tokens',
      '/admin/v1/initial-access-tokens',
      {
        uses: 0,
      },
    );
    assert.match((bad.json as { error_description: string }).error_description, /^uses /);
    const path = `/admin/v1/initial-access-tokens/${id}`;
    assert.equal((await documented('DELETE', '/admin/v1/initial-access-tokens/{id}', path)).status, 204);
    assert.equal((await documented('DELETE', '/admin/v1/initial-access-tokens/{id}', path)).status, 404);
    const audit = admin.logger.records.filter(
      (entry) => entry.msg === 'admin action' && entry.token_id === id,
    );
    assert.deepEqual(
      audit.map((entry) => entry.action),
      ['initial_access_token.create', 'initial_access_token.revoke'],
    );
    assert.equal(JSON.stringify(admin.logger.records).includes(token), false);
  });

  it('answers bad input with a 4xx naming the member, never a 5xx', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['GET', '/admin/v1/clients?limit=abc', undefined, 400, /^limit /],
      ['GET', '/admin/v1/clients?limit=201', undefined, 400, /^limit /],
      ['GET', '/admin/v1/clients?cursor=%%%', undefined, 400, /^cursor /],
      ['GET', '/admin/v1/clients?cursor=A', undefined, 400, /^cursor /],
      ['GET', '/admin/v1/clients?status=gone', undefined, 400, /^status /],
      ['GET', '/admin/v1/clients?created_after=-1', undefined, 400, /^created_after /],
      ['GET', '/admin/v1/clients?used_before=1e9', undefined, 400, /^used_before /],
      ['GET', '/admin/v1/clients?name=', undefined, 400, /^name /],
      ['GET', '/admin/v1/clients?nmae=x', undefined, 400, /nmae/],
      ['GET', '/admin/v1/clients?limit=1&limit=2', undefined, 400, /^limit /],
      ['POST', '/admin/v1/clients', '{"redirect_uris":', 400, /JSON/],
      ['POST', '/admin/v1/clients', '[1]', 400, /object/],
      ['POST', '/admin/v1/clients', { redirect_uris: 'https://x.example' }, 400, /redirect_uris/],
      ['POST', '/admin/v1/clients', { ...REDIRECT, client_secret: 'mine' }, 400, /client_secret/],
      ['POST', '/admin/v1/clients', { ...REDIRECT, client_id: 'mine' }, 400, /client_id/],
      ['POST', '/admin/v1/clients', `${'['.repeat(100)}${']'.repeat(100)}`, 400, /nested/],
      ['POST', '/admin/v1/initial-access-tokens', { expires_in: 1.5 }, 400, /^expires_in /],
      ['POST', '/admin/v1/initial-access-tokens', { label: 7 }, 400, /^label /],
      ['POST', '/admin/v1/initial-access-tokens', { policy: { force: 3 } }, 400, /^policy/],
      ['POST', '/admin/v1/initial-access-tokens', { extra: true }, 400, /extra/],
      ['POST', '/admin/v1/resolve', {}, 400, /^client_id /],
      ['POST', '/admin/v1/resolve', { client_id: 5 }, 400, /^client_id /],
      ['POST', '/admin/v1/resolve', { client_id: 'https://[bad' }, 404, /not registered/],
      ['POST', '/admin/v1/authenticate', { form: { client_id: 1 } }, 400, /^form /],
      ['POST', '/admin/v1/authenticate', { authorization: 5 }, 400, /^authorization /],
      ['POST', '/admin/v1/authenticate', { authorization: 'Basic !!!' }, 401, /./],
      ['GET', '/admin/v1/clients/%E0%A4%A', undefined, 400, /^client_id /],
      ['GET', `/admin/v1/clients/${'x'.repeat(5000)}`, undefined, 404, /client/],
      ['PATCH', '/admin/v1/clients', undefined, 405, /GET, POST/],
      ['GET', '/admin/v1/nothing', undefined, 404, /endpoint/],
    ];
    for (const [method, path, body, status, description] of cases) {
      const response = await call(admin, method, path, body);
      assert.equal(response.status, status, `${method} ${path}: ${response.text}`);
      assert.match((response.json as { error_description: string }).error_description, description, path);
    }
    const plain = await fetch(`${admin.url}/admin/v1/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(plain.status, 415);
    const large = await call(admin, 'POST', '/admin/v1/clients', {
      ...REDIRECT,
      client_name: 'x'.repeat(200_000),
    });
    assert.equal(large.status, 413);
    assert.equal(
      admin.logger.records.some((record) => record.level === 'error'),
      false,
    );
  });

  it('sweeps expired clients, with an event for each and an audit line', async () => {
    await admin.store.registerClient(stored('swept-one', { expires_at: 1 }));
    await admin.store.registerClient(stored('kept-one', { expires_at: 8_000_000_000 }));
    const swept = await documented('POST', '/admin/v1/sweep', '/admin/v1/sweep');
    assert.deepEqual(swept.json, { removed: 1 });
    assert.equal(await admin.store.loadClient('swept-one'), null);
    assert.notEqual(await admin.store.loadClient('kept-one'), null);
    assert.ok(
      admin.events.some(
        (event) =>
          (event as { type: string; client_id: string }).type === 'client.expired' &&
          (event as { client_id: string }).client_id === 'swept-one',
      ),
    );
    assert.ok(
      admin.logger.records.some(
        (record) => record.msg === 'admin action' && record.action === 'clients.sweep',
      ),
    );
    assert.deepEqual((await documented('POST', '/admin/v1/sweep', '/admin/v1/sweep')).json, { removed: 0 });
  });

  it('covers every documented operation', () => {
    const uncovered = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/admin/v1/') && path !== '/admin/v1/openapi.json')
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => ['get', 'put', 'post', 'delete'].includes(key))
          .map((method) => `${method.toUpperCase()} ${path}`),
      )
      .filter((operation) => !covered.has(operation));
    assert.deepEqual(uncovered, []);
  });
});

describe('admin API listing: filters across pages and the scan bound (memory store)', () => {
  let admin: Admin;
  before(async () => {
    admin = await startAdmin('memory');
    for (let index = 0; index < 12; index++) {
      await admin.store.registerClient(
        stored(`c${String(index).padStart(2, '0')}`, {
          client_id_issued_at: 1000 + index * 10,
          ...(index % 3 === 0 ? {} : { last_used_at: 2000 + index }),
          ...(index % 4 === 0 ? { expires_at: 1 } : {}),
          owner: index < 6 ? 'iat:first' : 'iat:second',
          metadata: {
            ...REDIRECT,
            token_endpoint_auth_method: 'none',
            client_name: index % 2 === 0 ? `Alpha ${index}` : `Beta ${index}`,
            software_id: `sw-${index % 3}`,
          },
        }),
      );
    }
  });
  after(() => admin.close());

  it('pages each filter, and their combination, across pages', async () => {
    const expect = (predicate: (index: number) => boolean) =>
      Array.from({ length: 12 }, (_, index) => index)
        .filter(predicate)
        .map((index) => `c${String(index).padStart(2, '0')}`);
    const cases: [string, (index: number) => boolean][] = [
      ['name=alpha', (i) => i % 2 === 0],
      ['software_id=sw-1', (i) => i % 3 === 1],
      ['owner=iat%3Asecond', (i) => i >= 6],
      ['status=expired', (i) => i % 4 === 0],
      ['status=active', (i) => i % 4 !== 0],
      ['created_after=1050', (i) => 1000 + i * 10 >= 1050],
      ['created_before=1050', (i) => 1000 + i * 10 < 1050],
      ['used_after=2005', (i) => i % 3 !== 0 && 2000 + i >= 2005],
      ['used_before=2005', (i) => i % 3 !== 0 && 2000 + i < 2005],
      ['name=beta&owner=iat%3Afirst&status=active', (i) => i % 2 === 1 && i < 6 && i % 4 !== 0],
    ];
    for (const [query, predicate] of cases) {
      const { ids, pages } = await allPages(admin, `limit=2&${query}`);
      assert.deepEqual(ids, expect(predicate), query);
      assert.ok(pages >= Math.ceil(ids.length / 2), query);
    }
  });

  it(`reads at most ${MAX_SCANNED_PER_PAGE} stored clients per request, answering a cursor to go on`, async () => {
    for (let index = 0; index < MAX_SCANNED_PER_PAGE; index++) {
      await admin.store.registerClient(stored(`d${String(index).padStart(4, '0')}`));
    }
    await admin.store.registerClient(stored('zz-last', { metadata: { ...REDIRECT, client_name: 'Needle' } }));
    const first = await call(admin, 'GET', '/admin/v1/clients?name=needle');
    const page = first.json as { clients: unknown[]; next_cursor: string | null };
    assert.deepEqual(page.clients, []);
    assert.notEqual(page.next_cursor, null);
    const { ids } = await allPages(admin, 'name=needle');
    assert.deepEqual(ids, ['zz-last']);
  });
});

describe('registrar serve --admin-port', () => {
  it('binds the admin listener to loopback, admitting a token from registrar admin-token create', async () => {
    const created = runCommand(['admin-token', 'create', '--label', 'ops', '--json']);
    assert.equal(created.status, 0, created.stderr);
    const { token, entry } = JSON.parse(created.stdout) as { token: string; entry: string };
    assert.equal(entry, `ops:${hex(token)}`);
    const plain = runCommand(['admin-token', 'create']);
    const plainEntry = /REGISTRAR_ADMIN_TOKEN_HASH=(\S+)/.exec(plain.stderr)?.[1];
    assert.equal(plainEntry, `admin:${hex(plain.stdout.trim())}`);
    const serve = await startServe(['--store', 'memory:', '--port', '0', '--admin-port', '0'], {
      env: { REGISTRAR_ADMIN_TOKEN_HASH: `${entry},${plainEntry}` },
    });
    try {
      const adminUrl = adminUrlOf(serve);
      assert.match(adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const listing = await fetch(`${adminUrl}/admin/v1/clients`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(listing.status, 200);
      const other = await fetch(`${adminUrl}/admin/v1/clients`, {
        headers: { authorization: `Bearer ${plain.stdout.trim()}` },
      });
      assert.equal(other.status, 200);
      const refused = await fetch(`${adminUrl}/admin/v1/clients`);
      assert.equal(refused.status, 401);
      const create = await fetch(`${adminUrl}/admin/v1/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...REDIRECT, client_name: 'From serve' }),
      });
      assert.equal(create.status, 201);
      const { client_id: clientId, client_secret: secret } = (await create.json()) as {
        client_id: string;
        client_secret: string;
      };
      // The registration port does not serve the admin API.
      assert.equal(
        (await fetch(`${serve.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } }))
          .status,
        404,
      );
      const events = await fetch(`${adminUrl}/admin/v1/clients/${clientId}/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const kept = (await events.json()) as { events: { type: string }[] };
      assert.deepEqual(
        kept.events.map((event) => event.type),
        ['client.registered', 'admin.action'],
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(serve.lines.some((text) => text.includes('"msg":"admin action"') && text.includes(clientId)));
      for (const text of serve.lines) {
        assert.equal(text.includes(secret), false);
        assert.equal(text.includes(token), false);
      }
    } finally {
      await serve.stop();
    }
  });

  it('refuses to start the admin listener without a token hash, naming the variable', () => {
    const result = runCommand(['serve', '--store', 'memory:', '--port', '0'], {
      env: { REGISTRAR_ADMIN_PORT: '0' },
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /REGISTRAR_ADMIN_TOKEN_HASH/);
    const malformed = runCommand(['serve', '--store', 'memory:', '--port', '0', '--admin-port', '0'], {
      env: { REGISTRAR_ADMIN_TOKEN_HASH: 'ops:NOTHEX' },
    });
    assert.equal(malformed.status, 2);
    assert.match(malformed.stderr, /REGISTRAR_ADMIN_TOKEN_HASH: entry 1/);
  });
});
