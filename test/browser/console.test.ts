// services: chromium
// The web console in a real browser: Debian's chromium driven by playwright-core, against a real
// `registrar serve --admin-port 0` on a SQLite file. Sign-in (a wrong token refused, the right one
// kept in sessionStorage and sent as a Bearer header, never a cookie), the client list's search
// and paging, a client's page, rotate, approve, reject, revoke, the initial access tokens page, and
// a client whose name is markup shown as text with no script run and no policy violated.
// Screenshots go to test-artifacts/console/ (gitignored); docs/console.png is the list's.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { nodeCrypto } from '../../src/adapters/node.js';
import { createRegistrar, type Registrar } from '../../src/registrar.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { launchChromium, screenshotPath } from '../helpers/browser.js';
import { adminUrlOf, type ServeProcess, startServe, unlimitedConfig } from '../helpers/cli.js';
import { memoryLogger } from '../helpers/http.js';

const TOKEN = randomBytes(32).toString('base64url');
const TOKEN_HASH = createHash('sha256').update(TOKEN).digest('hex');
const MARKUP_NAME = '<img src=x onerror=window.__xss=1><script>window.__xss=2</script>';
const CONFIDENTIAL = { redirect_uris: ['https://client.example.org/cb'] };

/** What a registration answers, as far as the suite reads it. */
interface Registered {
  readonly client_id: string;
  readonly client_secret: string;
  readonly client_id_issued_at: number;
  readonly registration_access_token: string;
  readonly registration_client_uri: string;
}

describe('the web console in chromium', { timeout: 240_000 }, () => {
  let dir: string;
  let serve: ServeProcess;
  let adminUrl: string;
  let registrationToken: string;
  let host: Registrar;
  let hostStore: ReturnType<typeof createSqliteStore>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const violations: string[] = [];
  const policyMessages: string[] = [];
  const apiRequests: { url: string; authorization: string | undefined; cookie: string | undefined }[] = [];

  /** Calls the admin API directly, as a test oracle beside what the page shows. */
  async function admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${adminUrl}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? null : JSON.parse(text) };
  }

  /** Registers a client on the public endpoint with the suite's initial access token. */
  async function register(metadata: Record<string, unknown>): Promise<Registered> {
    const response = await fetch(`${serve.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${registrationToken}` },
      body: JSON.stringify(metadata),
    });
    const json = (await response.json()) as Registered;
    assert.equal(response.status, 201, JSON.stringify(json));
    return json;
  }

  /** No page so far saw a Content-Security-Policy violation, logged a policy message or threw. */
  function assertNothingBroke(): void {
    assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
    assert.deepEqual(policyMessages, [], 'no policy message on the console');
    assert.deepEqual(pageErrors, [], 'no uncaught error');
  }

  async function signIn(): Promise<void> {
    await load('');
    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
  }

  /**
   * Loads the console afresh at `hash` (a new document, so that what the page shows next is that
   * view's, not the last one's). The token stays: sessionStorage belongs to the tab.
   */
  async function load(hash: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${adminUrl}/console${hash}`);
  }

  /** Waits until the client list has loaded (its rows replaced and nothing busy). */
  async function listLoaded(): Promise<void> {
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await page.locator('main:not([aria-busy])').waitFor();
  }

  /** Opens the client list with these filters (as the search form would put them in the location). */
  async function openList(filters: Record<string, string> = {}): Promise<void> {
    const query = new URLSearchParams(filters).toString();
    await load(`#/clients${query === '' ? '' : `?${query}`}`);
    await listLoaded();
  }

  async function listedNames(): Promise<string[]> {
    return page.locator('table.clients tbody td.name').allTextContents();
  }

  async function openClient(clientId: string): Promise<void> {
    await load(`#/clients/${encodeURIComponent(clientId)}`);
    await page.locator('dl.facts').waitFor();
  }

  async function factOf(label: string): Promise<string> {
    return (
      (await page
        .locator('dl.facts dt', { hasText: label })
        .locator('xpath=following-sibling::dd[1]')
        .textContent()) ?? ''
    );
  }

  async function shot(name: string, t: { diagnostic(message: string): void }): Promise<string> {
    const path = screenshotPath(name);
    await page.screenshot({ path, fullPage: true });
    t.diagnostic(`screenshot: ${path}`);
    return path;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-console-'));
    const file = join(dir, 'registrar.db');
    serve = await startServe(
      [
        '--port',
        '0',
        '--admin-port',
        '0',
        '--store',
        `sqlite:${file}`,
        '--require-initial-access-token',
        '--config',
        unlimitedConfig(dir),
      ],
      { env: { REGISTRAR_ADMIN_TOKEN_HASH: `operations:${TOKEN_HASH}` } },
    );
    adminUrl = adminUrlOf(serve);
    const made = await admin('POST', '/initial-access-tokens', { label: 'suite registrations' });
    assert.equal(made.status, 201, JSON.stringify(made.json));
    registrationToken = String(made.json.token);
    // The host's side of the approval queue: the library on the same SQLite file, with a policy
    // that holds every client it registers for an operator.
    hostStore = createSqliteStore({ filename: file });
    host = createRegistrar({
      issuer: serve.url,
      registrationEnabled: true,
      registration: hostStore,
      crypto: nodeCrypto,
      rateLimit: false,
      logger: memoryLogger(),
      policies: [() => ({ pending: true })],
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    // Every Content-Security-Policy violation any page sees, reported before any of its scripts runs.
    await context.exposeFunction('reportViolation', (text: string) => violations.push(text));
    await context.addInitScript(() => {
      document.addEventListener(
        'securitypolicyviolation',
        (event) => {
          (window as unknown as { reportViolation(text: string): void }).reportViolation(
            `${event.violatedDirective} ${event.blockedURI} ${event.sample}`,
          );
        },
        true,
      );
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text())) policyMessages.push(message.text());
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/admin/v1/')) {
        const headers = request.headers();
        apiRequests.push({
          url: request.url(),
          authorization: headers.authorization,
          cookie: headers.cookie,
        });
      }
    });
  });

  after(async () => {
    await browser?.close();
    await hostStore?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong token, keeps the right one in sessionStorage and sends it only as a Bearer header', async (t) => {
    await page.goto(`${adminUrl}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('#token').fill(`${TOKEN}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token was refused.' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused token is not kept');
    assert.equal(await page.locator('#nav').isVisible(), false);
    await shot('sign-in-refused', t);

    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('registrar.adminToken')), TOKEN);
    assert.deepEqual(await page.context().cookies(), [], 'no cookie is ever set');
    assert.equal(await page.evaluate(() => document.cookie), '');
    const signedIn = apiRequests.filter((request) => request.authorization === `Bearer ${TOKEN}`);
    assert.ok(signedIn.length >= 2, 'the sign-in check and the list carry the token');
    assert.ok(
      apiRequests.every((request) => request.cookie === undefined),
      'no API call carries a cookie',
    );
    assert.ok(
      apiRequests.every((request) => !request.url.includes(TOKEN)),
      'the token is never in a URL',
    );

    // Signing out forgets it; a reload then shows the sign-in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assertNothingBroke();
  });

  it('searches the list by name and status, and pages through it with the cursor', async (t) => {
    for (let index = 1; index <= 23; index++) {
      await register({ ...CONFIDENTIAL, client_name: `Paging client ${String(index).padStart(2, '0')}` });
    }
    await register({ ...CONFIDENTIAL, client_name: 'Another tool', software_id: 'another-tool' });
    await signIn();
    await page.locator('#filter-name').fill('paging CLIENT');
    await page.locator('#filter-limit').selectOption('10');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/#\/clients\?name=paging\+CLIENT&limit=10$/);
    // The first page of the search: ten rows where the unfiltered list showed twenty.
    await page.waitForFunction(
      () =>
        document.querySelectorAll('table.clients tbody td.name').length === 10 &&
        document.querySelector('main[aria-busy]') === null,
    );
    const seen: string[] = [];
    const pages: number[] = [];
    for (;;) {
      await page
        .locator('.pager .page')
        .filter({ hasText: `Page ${pages.length + 1}` })
        .waitFor();
      await page.locator('main:not([aria-busy])').waitFor();
      const names = await listedNames();
      pages.push(names.length);
      seen.push(...names);
      const next = page.getByRole('button', { name: 'Next page' });
      if (await next.isDisabled()) break;
      await next.click();
    }
    assert.deepEqual(pages, [10, 10, 3]);
    assert.equal(new Set(seen).size, 23, 'no client shown twice across the pages');
    assert.ok(seen.every((name) => name.startsWith('Paging client ')));
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.locator('.pager .page').filter({ hasText: 'Page 2' }).waitFor();
    await page.locator('main:not([aria-busy])').waitFor();
    assert.deepEqual(await listedNames(), seen.slice(10, 20));

    await openList({ software_id: 'another-tool' });
    assert.deepEqual(await listedNames(), ['Another tool']);
    await openList({ name: 'no such client anywhere' });
    assert.match((await page.locator('table.clients tbody').textContent()) ?? '', /No client matches/);

    await openList();
    await shot('client-list', t);
    assertNothingBroke();
  });

  it('shows a client named with markup as text, runs none of it and breaks no policy', async (t) => {
    const registered = await register({
      ...CONFIDENTIAL,
      client_name: MARKUP_NAME,
      client_uri: 'https://x.example/',
    });
    await openList({ name: '<img' });
    assert.deepEqual(await listedNames(), [MARKUP_NAME]);
    assert.equal(await page.locator('main img, main script').count(), 0, 'no element made from the name');
    await page.getByRole('link', { name: MARKUP_NAME }).click();
    await page.locator('dl.facts').waitFor();
    assert.equal(await page.locator('h1').textContent(), MARKUP_NAME);
    assert.equal(await factOf('Client ID'), registered.client_id);
    assert.match(await page.title(), /^<img src=x onerror=/);
    assert.equal(await page.locator('main img, main script').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    await shot('markup-name', t);
    assertNothingBroke();
  });

  it("shows a client's metadata, dates, status and events", async (t) => {
    const registered = await register({
      ...CONFIDENTIAL,
      client_name: 'Event client',
      software_id: 'event-tool',
      contacts: ['ops@client.example.org'],
    });
    await openClient(registered.client_id);
    assert.equal(await page.locator('h1').textContent(), 'Event client');
    assert.equal(await factOf('Status'), 'active');
    assert.equal(await factOf('Software ID'), 'event-tool');
    assert.equal(await factOf('Authentication'), 'client_secret_basic');
    const issued = registered.client_id_issued_at;
    assert.equal(
      await factOf('Created'),
      new Date(issued * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ' UTC'),
    );
    assert.equal(await factOf('Last used'), '—');
    const metadata = (await page.locator('table.metadata').textContent()) ?? '';
    assert.match(metadata, /redirect_uris/);
    assert.match(metadata, /ops@client\.example\.org/);
    assert.doesNotMatch(metadata, new RegExp(registered.client_secret), 'no secret in the metadata');
    const events = (await page.locator('table.events').textContent()) ?? '';
    assert.match(events, /client\.registered/);
    await shot('client-page', t);
    assertNothingBroke();
  });

  it('rotates a secret and shows the new one once', async (t) => {
    const registered = await register({ ...CONFIDENTIAL, client_name: 'Rotating client' });
    await openClient(registered.client_id);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const panel = page.getByRole('region', { name: 'New client secret' });
    await panel.waitFor();
    const secret = ((await panel.locator('code.secret').textContent()) ?? '').trim();
    assert.ok(secret.length >= 32, 'a secret is shown');
    assert.notEqual(secret, registered.client_secret);
    await shot('secret-rotated', t);
    // The secret shown is the client's secret now; the one it registered with is not.
    const basic = (value: string) =>
      `Basic ${Buffer.from(`${registered.client_id}:${value}`).toString('base64')}`;
    const fresh = await admin('POST', '/authenticate', { authorization: basic(secret) });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
    const stale = await admin('POST', '/authenticate', {
      authorization: basic(registered.client_secret),
    });
    assert.equal(stale.status, 401);
    await panel.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('code.secret').count(), 0);
    await page.reload();
    await page.locator('dl.facts').waitFor();
    assert.ok(!(await page.content()).includes(secret), 'not shown again');
    assertNothingBroke();
  });

  it('approves a client held for approval and rejects another', async (t) => {
    const hold = async (name: string) => {
      const response = await host.fetch(
        new Request(`${serve.url}/oauth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...CONFIDENTIAL, client_name: name }),
        }),
        { remoteAddress: '127.0.0.1' },
      );
      assert.equal(response.status, 201);
      return ((await response.json()) as { client_id: string }).client_id;
    };
    const first = await hold('Held client one');
    const second = await hold('Held client two');
    await openList({ status: 'pending' });
    assert.deepEqual((await listedNames()).sort(), ['Held client one', 'Held client two']);
    await shot('pending-clients', t);

    await openClient(first);
    assert.equal(await factOf('Status'), 'pending');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').filter({ hasText: 'Approved.' }).waitFor();
    assert.equal(await factOf('Status'), 'active');
    assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
    assert.equal((await admin('GET', `/clients/${encodeURIComponent(first)}`)).json.status, 'active');

    await openClient(second);
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('button', { name: 'Reject and delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'Rejected: the client was deleted.' }).waitFor();
    assert.equal((await admin('GET', `/clients/${encodeURIComponent(second)}`)).status, 404);
    assertNothingBroke();
  });

  it('revokes a client after asking', async () => {
    const registered = await register({ ...CONFIDENTIAL, client_name: 'Revoked client' });
    await openClient(registered.client_id);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await admin('GET', `/clients/${encodeURIComponent(registered.client_id)}`)).status, 200);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke and delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'Revoked: the client was deleted.' }).waitFor();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    assert.equal((await admin('GET', `/clients/${encodeURIComponent(registered.client_id)}`)).status, 404);
    // Its own registration access token no longer reads it either.
    const read = await fetch(registered.registration_client_uri, {
      headers: { authorization: `Bearer ${registered.registration_access_token}` },
    });
    assert.equal(read.status, 401);
    assertNothingBroke();
  });

  it('lists, makes (showing the token once) and revokes initial access tokens', async (t) => {
    await load('#/tokens');
    await page.getByRole('heading', { name: 'Initial access tokens', level: 1 }).waitFor();
    await page.locator('table.tokens tbody tr', { hasText: 'suite registrations' }).waitFor();
    await page.locator('#token-label').fill('Partner <b>batch</b>');
    await page.locator('#token-uses').fill('2');
    await page.getByRole('button', { name: 'Create token' }).click();
    const panel = page.getByRole('region', { name: 'New initial access token' });
    await panel.waitFor();
    const token = ((await panel.locator('code.secret').textContent()) ?? '').trim();
    const row = page.locator('table.tokens tbody tr', { hasText: 'Partner <b>batch</b>' });
    await row.waitFor();
    assert.equal(await row.locator('td').nth(4).textContent(), '2');
    assert.ok(!((await row.textContent()) ?? '').includes(token), 'the list never shows a token');
    await shot('initial-access-tokens', t);

    // The token shown registers a client, and after revocation no longer does.
    const use = () =>
      fetch(`${serve.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(CONFIDENTIAL),
      });
    assert.equal((await use()).status, 201);
    await panel.getByRole('button', { name: 'Done' }).click();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByRole('alert').filter({ hasText: 'The token was revoked.' }).waitFor();
    assert.equal(await page.locator('table.tokens tbody tr', { hasText: 'Partner <b>batch</b>' }).count(), 0);
    assert.equal((await use()).status, 401);
    assertNothingBroke();
  });

  it('ends the session when the API refuses the saved token', async () => {
    await page.evaluate(() => sessionStorage.setItem('registrar.adminToken', 'not-the-token'));
    await load('#/clients');
    await page
      .getByRole('alert')
      .filter({ hasText: 'The admin token was refused; sign in again.' })
      .waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assertNothingBroke();
  });
});
