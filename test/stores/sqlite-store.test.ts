// The SQLite store's WAL checkpoints run on a background connection, off the event loop, and the
// store still closes cleanly with nothing left behind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClientRegistration } from '../../src/store/bundled-store.js';
import { BACKSTOP_CHECKPOINT_PAGES, createSqliteStore } from '../../src/store/sqlite.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-sqlite-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const registration = (): ClientRegistration => ({
  client_id: randomBytes(16).toString('base64url'),
  client_id_issued_at: 1_700_000_000,
  client_secret_expires_at: 0,
  registration_access_token_hash: `sha256:${randomBytes(32).toString('base64url')}`,
  metadata: { redirect_uris: ['https://client.example.org/cb'], client_name: 'x'.repeat(2000) },
});

describe('the SQLite store', () => {
  it('moves committed pages into the database file in the background, below the backstop threshold', async () => {
    const filename = join(dir, 'checkpoint.db');
    const store = createSqliteStore({ filename });
    try {
      const empty = statSync(filename).size;
      // About 1,000 pages of 4 KiB: far below the backstop, so only the background checkpointer moves them.
      for (let i = 0; i < 1000; i++) assert.equal((await store.registerClient(registration())).ok, true);
      assert.ok(1000 < BACKSTOP_CHECKPOINT_PAGES);
      let size = statSync(filename).size;
      for (let waited = 0; size < empty + 2 ** 21 && waited < 10_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        size = statSync(filename).size;
      }
      assert.ok(size >= empty + 2 ** 21, `the database file grew from ${empty} to ${size} bytes`);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(`${filename}-wal`), false, 'every connection closed: SQLite removed the WAL');
    const reopened = createSqliteStore({ filename });
    try {
      assert.equal((await reopened.listClients({ limit: 2000 })).clients.length, 1000);
    } finally {
      await reopened.close();
    }
  });

  it('runs an in-memory database without a checkpointer', async () => {
    const store = createSqliteStore({ filename: ':memory:' });
    const attrs = registration();
    assert.equal((await store.registerClient(attrs)).ok, true);
    assert.deepEqual(await store.loadClient(attrs.client_id), attrs);
    await store.close();
  });
});
