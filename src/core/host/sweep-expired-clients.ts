/**
 * The expiry sweep (docs/client-authentication.md#client-lifecycle): removes clients whose `expires_at` has
 * passed, in batches, through the store's `sweepExpired`.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { ConfigurationError } from '../errors.js';
import { emitEvent } from '../events.js';
import type { RegistrationStore } from '../store/registration-store.js';
import { callStore, offContract } from '../store/store-calls.js';

/** Default clients removed per `sweepExpired` call. */
export const DEFAULT_SWEEP_BATCH_SIZE = 500;

/** Options of one sweep. */
export interface SweepOptions {
  /** Clients removed per store call; each call is one short transaction. Default 500. */
  readonly batchSize?: number;
  /** Called after each batch with the total removed so far. */
  readonly onProgress?: (removed: number) => void;
}

/** What a sweep did. */
export interface SweepResult {
  /** Clients removed. */
  readonly removed: number;
  /** Of those, how many the store named (and so got a `client.expired` event). */
  readonly named: number;
}

/**
 * Sweeps a store directly: calls `sweepExpired(now, batchSize, onExpired)`
 * until a call removes fewer than a full batch. `now` is Unix seconds, fixed
 * for the whole sweep so it ends even while clients keep expiring.
 */
export async function sweepStore(
  store: Pick<RegistrationStore<unknown>, 'sweepExpired'>,
  now: number,
  options: SweepOptions & {
    readonly onExpired?: (clientIds: readonly string[]) => Promise<void> | void;
  } = {},
): Promise<SweepResult> {
  const sweep = store.sweepExpired;
  if (!sweep) throw new ConfigurationError('The store has no sweepExpired callback; it cannot sweep.');
  const batchSize = options.batchSize ?? DEFAULT_SWEEP_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new TypeError('batchSize must be a positive integer.');
  }
  let removed = 0;
  let named = 0;
  for (;;) {
    const ids: string[] = [];
    const count = await callStore('sweepExpired', () =>
      sweep.call(store, now, batchSize, (clientId) => {
        ids.push(clientId);
      }),
    );
    if (!Number.isInteger(count) || count < 0 || count > batchSize) throw offContract('sweepExpired');
    removed += count;
    named += ids.length;
    if (ids.length > 0) await options.onExpired?.(ids);
    options.onProgress?.(removed);
    if (count < batchSize) return { removed, named };
  }
}

/**
 * Sweeps the configured store and emits `client.expired` for every client
 * the store names. A store that removes clients without naming them gets a
 * warning in the log, since their events cannot be sent.
 */
export async function sweepExpiredClients<C>(
  settings: Settings<C>,
  options: SweepOptions = {},
): Promise<SweepResult> {
  const now = Math.floor(settings.now() / 1000);
  const result = await sweepStore(settings.store as RegistrationStore<unknown>, now, {
    ...options,
    onExpired: async (clientIds) => {
      for (const clientId of clientIds) {
        await emitEvent(settings.onEvent, settings.logger, {
          type: 'client.expired',
          client_id: clientId,
          time: now,
        });
      }
    },
  });
  if (result.removed > result.named) {
    settings.logger.warn({
      msg: 'the store removed expired clients without naming them; no client.expired events for those',
      unnamed: result.removed - result.named,
    });
  }
  return result;
}
