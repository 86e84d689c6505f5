/**
 * Calls into the host's store, with the result mapping of docs/store-contract.md: an
 * unreachable database becomes 503, any other throw or an answer outside the
 * contract becomes a generic 500. Nothing a store says reaches the caller.
 *
 * @module
 */

import {
  type RegistrationError,
  StoreUnavailableError,
  serverError,
  temporarilyUnavailable,
} from '../errors.js';
import type {
  ClientRegistration,
  RegistrationStore,
  StoreDeleteResult,
  StoredClient,
  StoreWriteResult,
} from './registration-store.js';

/** Runs one store callback; `operation` names it in the private cause. */
export async function callStore<T>(operation: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw temporarilyUnavailable(error, error.retryAfterSeconds);
    throw serverError(new Error(`store callback ${operation} threw`, { cause: error }));
  }
}

/** How a caller runs a store callback: `callStore`, or a wrapper mapping its failures. */
export type StoreCaller = <T>(operation: string, run: () => T | Promise<T>) => Promise<T>;

/**
 * The stored client of `clientId` and its registration, or `undefined` when
 * either is not found: one `loadClientWithRegistration` read when the store
 * has it, else `loadClient` and then `clientRegistration`. The caller has
 * checked that the two callbacks exist.
 */
export async function loadStoredClient<C>(
  store: RegistrationStore<C>,
  clientId: string,
  call: StoreCaller = callStore,
): Promise<StoredClient<C> | undefined> {
  const both = store.loadClientWithRegistration;
  if (both) {
    // Checked inside the call, so an answer outside the contract fails as the caller maps failures.
    return call('loadClientWithRegistration', async () => {
      const answer = await both(clientId);
      if (answer === null || answer === undefined) return undefined;
      const { client, registration } = answer as Partial<StoredClient<C>>;
      if (
        client === null ||
        client === undefined ||
        registration === null ||
        typeof registration !== 'object'
      ) {
        throw new TypeError('loadClientWithRegistration returned a value outside the contract');
      }
      return { client, registration };
    });
  }
  const { loadClient, clientRegistration } = store;
  if (!loadClient || !clientRegistration) return undefined;
  const client = await call('loadClient', () => loadClient(clientId));
  if (client === null || client === undefined) return undefined;
  const registration: ClientRegistration | null | undefined = await call('clientRegistration', () =>
    clientRegistration(client),
  );
  return registration === null || registration === undefined ? undefined : { client, registration };
}

/** Checks that a `registerClient`/`updateClient` answer is inside the contract. */
export function checkWriteResult<C>(operation: string, result: unknown): StoreWriteResult<C> {
  if (typeof result === 'object' && result !== null) {
    const value = result as { ok?: unknown; client?: unknown; reason?: unknown };
    if (value.ok === true && 'client' in value) return result as StoreWriteResult<C>;
    if (value.ok === false && typeof value.reason === 'string') return result as StoreWriteResult<C>;
  }
  throw offContract(operation);
}

/** Checks that an `unregisterClient` answer is inside the contract. */
export function checkDeleteResult<C>(result: unknown): StoreDeleteResult<C> {
  if (result === undefined) return undefined;
  if (typeof result === 'object' && result !== null) {
    const value = result as { ok?: unknown; reason?: unknown };
    if (value.ok === true) return result as StoreDeleteResult<C>;
    if (value.ok === false && typeof value.reason === 'string') return result as StoreDeleteResult<C>;
  }
  throw offContract('unregisterClient');
}

/** A 500 for an answer the contract does not allow. */
export function offContract(operation: string): RegistrationError {
  return serverError(new Error(`store callback ${operation} returned a value outside the contract`));
}
