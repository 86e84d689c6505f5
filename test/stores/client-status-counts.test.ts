// services: postgres
// countClientsByStatus on the memory, SQLite and PostgreSQL stores, which the metrics read at scrape
// time: pending approval first, then expired (expires_at reached, not yet swept), else active; kept
// current through approval, rejection, activation, update and the sweep.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { openStore, STORE_KINDS } from '../helpers/bundled-stores.js';

const T0 = 1_800_000_000;

const client = (clientId: string, extra: Partial<ClientRegistration> = {}): ClientRegistration => ({
  client_id: clientId,
  client_id_issued_at: T0,
  client_secret_expires_at: 0,
  registration_access_token_hash: `sha256:${clientId}`,
  metadata: { redirect_uris: ['https://client.example.org/cb'] },
  ...extra,
});

for (const kind of STORE_KINDS) {
  describe(`countClientsByStatus on the ${kind} store`, () => {
    it('counts each status, as the admin API names them, through every change', async () => {
      const opened = await openStore(kind);
      const { store } = opened;
      try {
        assert.deepEqual(await store.countClientsByStatus(T0), { active: 0, pending: 0, expired: 0 });
        const forever = client('forever');
        const expiring = client('expiring', { expires_at: T0 + 10 });
        const waiting = client('waiting', { pending_approval: true, expires_at: T0 + 5 });
        const refused = client('refused', { pending_approval: true });
        for (const one of [forever, expiring, waiting, refused]) {
          assert.equal((await store.registerClient(one)).ok, true);
        }
        assert.deepEqual(await store.countClientsByStatus(T0), { active: 2, pending: 2, expired: 0 });
        // A pending client counts as pending even past its expiry; expiry is reached at expires_at.
        assert.deepEqual(await store.countClientsByStatus(T0 + 10), { active: 1, pending: 2, expired: 1 });
        assert.equal(await store.approveClient('waiting'), true);
        assert.equal(await store.rejectClient('refused'), true);
        assert.deepEqual(await store.countClientsByStatus(T0 + 10), { active: 1, pending: 0, expired: 2 });
        assert.equal(await store.activateClient('expiring', T0 + 1, null), true);
        assert.deepEqual(await store.countClientsByStatus(T0 + 10), { active: 2, pending: 0, expired: 1 });
        assert.equal(await store.sweepExpired(T0 + 11, 100), 1);
        assert.deepEqual(await store.countClientsByStatus(T0 + 11), { active: 2, pending: 0, expired: 0 });
        const updated = await store.updateClient(
          forever,
          { ...forever, expires_at: T0 + 3 },
          forever.registration_access_token_hash as string,
        );
        assert.equal(updated.ok, true);
        assert.deepEqual(await store.countClientsByStatus(T0 + 11), { active: 1, pending: 0, expired: 1 });
      } finally {
        await opened.close();
      }
    });
  });
}
