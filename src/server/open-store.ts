/**
 * Opens a bundled store from a `--store` specification.
 *
 * @module
 */

import { ConfigurationError } from '../core/errors.js';
import type { BundledStore } from '../store/contract.js';
import { createMemoryStore } from '../store/memory.js';
import { createSqliteStore } from '../store/sqlite.js';

/** The store a specification names, and whether it keeps anything across restarts. */
export interface OpenedStore {
  readonly store: BundledStore;
  readonly kind: 'memory' | 'sqlite';
  /** A description safe to log (no credentials). */
  readonly description: string;
}

/** `sqlite:PATH`, `memory:`. */
export async function openStore(spec: string): Promise<OpenedStore> {
  if (spec === 'memory:' || spec === 'memory') {
    return { store: createMemoryStore(), kind: 'memory', description: 'memory (nothing survives a restart)' };
  }
  if (spec.startsWith('sqlite:')) {
    const filename = spec.slice('sqlite:'.length);
    if (filename === '')
      throw new ConfigurationError('--store sqlite: needs a file name, for example sqlite:./registrar.db');
    return { store: createSqliteStore({ filename }), kind: 'sqlite', description: `sqlite ${filename}` };
  }
  throw new ConfigurationError(`Unknown --store "${spec.split(':', 1)[0]}:"; use sqlite:FILE or memory:.`);
}
