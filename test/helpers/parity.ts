// The parity run: every end-to-end suite listed in test/e2e/suites.ts runs again, unchanged, with
// Registrar mounted through another adapter. Each adapter gets its own test file under
// test/parity/, so each runs in its own process with its own module cache.
import { describe } from 'node:test';
import { PARITY_SUITES } from '../e2e/suites.js';
import type { AdapterName } from './adapters.js';

const E2E = new URL('../e2e/', import.meta.url);

/** Registers every listed suite under a describe block per file, mounted through `adapter`. */
export function runHttpSuitesThrough(adapter: AdapterName): void {
  process.env.REGISTRAR_TEST_ADAPTER = adapter;
  if (PARITY_SUITES.length === 0) throw new Error('no suite listed: the parity run would test nothing');
  for (const file of PARITY_SUITES) {
    describe(`${adapter} adapter: e2e/${file}`, async () => {
      await import(new URL(file, E2E).href);
    });
  }
}
