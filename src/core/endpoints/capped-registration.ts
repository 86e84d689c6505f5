/**
 * Registration under the caps (docs/admission.md#caps): the store counts, reclaims a
 * never-used client when a cap is reached, and stores, in one atomic step; this module
 * turns its answer into the `client.reclaimed` event or a 429 naming the cap.
 *
 * @module
 */

import type { ResolvedCaps, Settings } from '../config/settings.js';
import { tooManyRequests } from '../errors.js';
import { emitEvent } from '../events.js';
import type { CappedWriteResult, ClientRegistration, StoreWriteResult } from '../store/registration-store.js';
import { callStore, offContract } from '../store/store-calls.js';

/**
 * The kind of an owner (`iat`, `iss` or `addr`): what events and logs may name.
 * @see docs/admission.md#caps
 */
export function ownerKind(owner: string): string {
  const colon = owner.indexOf(':');
  return colon > 0 ? owner.slice(0, colon) : 'unknown';
}

function checkCappedResult<C>(result: unknown): CappedWriteResult<C> {
  if (typeof result === 'object' && result !== null) {
    const value = result as { ok?: unknown; client?: unknown; reason?: unknown; cap?: unknown };
    if (value.ok === true && 'client' in value) return result as CappedWriteResult<C>;
    if (value.ok === false && value.reason === 'cap_reached') {
      if (value.cap === 'maxClients' || value.cap === 'maxClientsPerOwner') {
        return result as CappedWriteResult<C>;
      }
    } else if (value.ok === false && typeof value.reason === 'string') return result as CappedWriteResult<C>;
  }
  throw offContract('registerClientWithinCaps');
}

function capDescription(cap: 'maxClients' | 'maxClientsPerOwner', caps: ResolvedCaps): string {
  return cap === 'maxClients'
    ? `This server holds its maximum of ${caps.maxClients} clients; retry later.`
    : `This server holds its maximum of ${caps.maxClientsPerOwner} clients for one registrant; retry later.`;
}

/**
 * Stores `registration` through `registerClientWithinCaps`; emits `client.reclaimed` for a
 * client removed to make room, and answers 429 `too_many_requests` naming the cap when
 * none could be, with `Retry-After` the reclaim age (when today's clients become reclaimable).
 * @see docs/admission.md#caps
 */
export async function registerWithinCaps<C>(
  settings: Settings<C>,
  registration: ClientRegistration,
  caps: ResolvedCaps,
): Promise<StoreWriteResult<C>> {
  const write = settings.store.registerClientWithinCaps;
  if (!write) throw new TypeError('registerClientWithinCaps is not configured');
  const owner = registration.owner ?? 'addr:unknown';
  const now = registration.client_id_issued_at;
  const limits = {
    ...(caps.maxClients === undefined ? {} : { maxClients: caps.maxClients }),
    ...(caps.maxClientsPerOwner === undefined ? {} : { maxClientsPerOwner: caps.maxClientsPerOwner }),
    owner,
    reclaimIssuedBefore: now - caps.reclaimMinAge,
  };
  const result = checkCappedResult<C>(
    await callStore('registerClientWithinCaps', () => write(registration, limits)),
  );
  if (!result.ok) {
    if ('cap' in result) {
      settings.logger.info({
        msg: 'registration refused at a cap',
        cap: result.cap,
        owner_kind: ownerKind(owner),
      });
      throw tooManyRequests(caps.reclaimMinAge, capDescription(result.cap, caps));
    }
    return result;
  }
  if (result.reclaimed !== undefined) {
    await emitEvent(settings.onEvent, settings.logger, {
      type: 'client.reclaimed',
      client_id: result.reclaimed.client_id,
      time: now,
      cap: result.reclaimed.cap,
      owner_kind: ownerKind(result.reclaimed.owner),
    });
  }
  return { ok: true, client: result.client };
}
