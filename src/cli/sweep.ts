/**
 * `registrar sweep`: removes expired clients (docs/client-authentication.md#client-lifecycle) from the store,
 * with a progress line on a terminal when it takes longer than a second.
 *
 * @module
 */

import { sweepStore } from '../core/host/sweep-expired-clients.js';
import type { BundledStore } from '../store/bundled-store.js';
import { type Output, toJson } from './output.js';
import { type ProgressStream, startProgress } from './progress.js';

/** Runs the sweep; resolves to the exit code. */
export async function sweepCommand(
  store: BundledStore,
  options: { readonly json: boolean },
  output: Output,
  terminal: ProgressStream,
): Promise<number> {
  const progress = startProgress(terminal, (removed) => `sweeping: ${removed} expired clients removed`);
  const clientIds: string[] = [];
  let result: Awaited<ReturnType<typeof sweepStore>>;
  try {
    result = await sweepStore(store, Math.floor(Date.now() / 1000), {
      onProgress: (removed) => progress.update(removed),
      onExpired: (ids) => {
        clientIds.push(...ids);
      },
    });
  } finally {
    progress.done();
  }
  if (options.json) {
    await output.out(toJson({ removed: result.removed, client_ids: clientIds }));
  } else {
    await output.out(`Removed ${result.removed} expired client${result.removed === 1 ? '' : 's'}.`);
  }
  return 0;
}
