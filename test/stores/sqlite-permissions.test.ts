// The SQLite store creates its database, -wal and -shm files readable by their owner only,
// whatever the umask lets through, and leaves the mode of an existing database alone.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('SQLite file permissions', () => {
  let dir: string;
  let umask: number;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-sqlite-mode-'));
    umask = process.umask(0o022);
  });
  after(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database and its -wal and -shm files 0600 under umask 022', async () => {
    const filename = join(dir, 'new.db');
    const store = createSqliteStore({ filename });
    try {
      const result = await store.registerClient({
        client_id: randomBytes(16).toString('base64url'),
        client_id_issued_at: 1_700_000_000,
        client_secret_expires_at: 0,
        metadata: { redirect_uris: ['https://client.example.org/cb'] },
      });
      assert.equal(result.ok, true);
      for (const path of [filename, `${filename}-wal`, `${filename}-shm`]) {
        assert.ok(existsSync(path), `${path} exists while the store is open`);
        assert.equal(mode(path).toString(8), '600', path);
      }
    } finally {
      await store.close();
    }
  });

  it('keeps the mode of a database file that already exists', async () => {
    const filename = join(dir, 'existing.db');
    writeFileSync(filename, '');
    chmodSync(filename, 0o640);
    const store = createSqliteStore({ filename });
    try {
      assert.equal(mode(filename).toString(8), '640');
    } finally {
      await store.close();
    }
  });
});
