// Concurrent PUT, DELETE and GET on one client through two `registrar serve` processes sharing one
// SQLite file: no 5xx, every read shows a whole state, and the final state is one that was submitted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { startServe, unlimitedConfig } from '../helpers/cli.js';
import { race } from '../helpers/management-race.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-concurrency-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('concurrent management across two instances', () => {
  it('on one SQLite file: no 5xx, whole states, and a final state that was submitted', async () => {
    const database = join(dir, 'shared.db');
    const args = ['--port', '0', '--store', `sqlite:${database}`, '--config', unlimitedConfig(dir)];
    const first = await startServe(args);
    const second = await startServe(args);
    const store = createSqliteStore({ filename: database });
    try {
      await race([first, second], store);
    } finally {
      await store.close();
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
