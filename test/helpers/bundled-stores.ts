// Test helpers: each bundled store on its real backend (a memory store, a SQLite file in a fresh
// directory, a fresh PostgreSQL schema), so one suite can run the same cases on all three.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundledStoreWithTokens } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { dropSchema, POSTGRES_URL, uniqueName } from './services.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'postgres'];

export interface OpenedStore {
  readonly store: BundledStoreWithTokens;
  close(): Promise<void>;
}

/** Opens a fresh, migrated store of `kind`; `close` releases it and removes what it created. */
export async function openStore(kind: StoreKind): Promise<OpenedStore> {
  if (kind === 'memory') {
    const store = createMemoryStore();
    return { store, close: () => store.close() };
  }
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-store-'));
    const store = createSqliteStore({ filename: join(dir, 'registrar.db') });
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = uniqueName('stores');
  const store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 8 });
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
}
