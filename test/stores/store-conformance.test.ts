// Every bundled store runs the exported conformance kit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { storeConformance } from '../../src/testkit/store-conformance.js';

storeConformance('memory', () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});

storeConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-sqlite-'));
  const store = createSqliteStore({ filename: join(dir, 'registrar.db') });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
