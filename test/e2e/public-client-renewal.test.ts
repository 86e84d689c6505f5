// A public client (token_endpoint_auth_method none) is renewed by every token request that names
// its client_id, on SQLite: its client_id is its only credential (RFC 6749 §2.1), so a use by
// anyone who knows it cannot be told from the client's own, and expiry reclaims abandoned
// registrations rather than guarding access. A request that fails authentication renews nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistrationError } from '../../src/core/errors.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { register, startRegistrar, type TestServer } from '../helpers/http.js';

const TTL = 3600;

describe('renewal of a public client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-renewal-'));
  const store = createSqliteStore({ filename: join(dir, 'registrar.db') });
  let server: TestServer;
  let clock = Date.now();
  const seconds = () => Math.floor(clock / 1000);

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: store,
      clientTtl: TTL,
      now: () => clock,
    });
  });
  after(async () => {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokenRequest = (form: Record<string, string>) =>
    server.registrar.authenticateClient({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'unchecked', ...form }).toString(),
    });

  it('renews expires_at on a token request that names only the client_id, keeping it alive past its TTL', async () => {
    const { status, json } = await register(server.url, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    assert.equal(status, 201);
    const clientId = json.client_id as string;
    const issuedAt = json.client_id_issued_at as number;
    for (let step = 1; step <= 3; step++) {
      clock += (TTL - 60) * 1000;
      const result = await tokenRequest({ client_id: clientId });
      assert.equal(result.method, 'none');
      const stored = await store.loadClient(clientId);
      assert.equal(stored?.last_used_at, seconds());
      assert.equal(stored?.expires_at, seconds() + TTL, `renewed on use ${step}`);
    }
    assert.ok(seconds() > issuedAt + TTL, 'the client outlived its first expiry');
  });

  it('renews nothing when the request fails authentication', async () => {
    const { json } = await register(server.url, {
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'none',
    });
    const clientId = json.client_id as string;
    const before = await store.loadClient(clientId);
    clock += 60_000;
    await assert.rejects(tokenRequest({ client_id: clientId, client_secret: 'guess' }), RegistrationError);
    assert.deepEqual(await store.loadClient(clientId), before);
  });
});
