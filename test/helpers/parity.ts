// The parity run: every end-to-end HTTP suite (any test file that calls startRegistrar) runs again,
// unchanged, with Registrar mounted through another adapter. Each adapter gets its own test file
// under test/parity/, so each runs in its own process with its own module cache; a new suite is
// picked up by its use of startRegistrar, with no change to the suite itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AdapterName } from './adapters.js';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PARITY_DIR = join(TEST_ROOT, 'parity');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return path === PARITY_DIR || entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * The test files that start a Registrar over HTTP through `startRegistrar`, sorted. Suites that
 * need PostgreSQL or Redis (a `// services:` first line) run once, through node:http, where the
 * runner checks those services.
 */
export function httpSuites(): string[] {
  return testFiles(TEST_ROOT)
    .filter((file) => {
      const text = readFileSync(file, 'utf8');
      return text.includes('startRegistrar(') && !text.startsWith('// services:');
    })
    .sort();
}

/** Registers every HTTP suite under a describe block per file, mounted through `adapter`. */
export function runHttpSuitesThrough(adapter: AdapterName): void {
  process.env.REGISTRAR_TEST_ADAPTER = adapter;
  const suites = httpSuites();
  if (suites.length === 0) throw new Error('no HTTP suite found: the parity run would test nothing');
  for (const file of suites) {
    describe(`${adapter} adapter: ${relative(TEST_ROOT, file)}`, async () => {
      await import(pathToFileURL(file).href);
    });
  }
}
