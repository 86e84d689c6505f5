/**
 * The activation window and the approval queue (docs/client-authentication.md#the-activation-window,
 * docs/admission.md#the-approval-queue): a client's first proven use, the use a host reports
 * for a public client, and an operator's approval or rejection of a pending client.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { isClientExpired } from '../endpoints/manage-client.js';
import { RegistrationError } from '../errors.js';
import { emitEvent } from '../events.js';
import { isAcceptableClientId } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore, loadStoredClient } from '../store/store-calls.js';
import { ClientResolutionError } from './client-resolution-error.js';
import { isStatelessClient, openStatelessClient } from './stateless-clients.js';

/** What `reportClientUse` did. */
export interface ClientUse {
  /** `true` when this use was the client's first proven use and activated it. */
  readonly activated: boolean;
}

/** Whether a client registered under an activation window still waits for its first proven use. */
export function awaitsActivation(registration: ClientRegistration): boolean {
  return registration.activation_deadline !== undefined && registration.activated_at === undefined;
}

/** A pending client's refusal, as `resolveClient` and `reportClientUse` answer it. */
export function pendingApproval(): ClientResolutionError {
  return new ClientResolutionError('pending_approval', 'The client is waiting for approval.');
}

/**
 * Records a proven use at `now` (Unix seconds): a client waiting for
 * activation is activated at once through `activateClient`, moving it to
 * the ordinary lifetime (`clientTtl`, or none); any other is renewed through
 * `touchClient`. Emits `client.activated` when this use activated it.
 */
export async function recordProvenUse<C>(
  settings: Settings<C>,
  registration: ClientRegistration,
  now: number,
): Promise<ClientUse> {
  const { store } = settings;
  const clientId = registration.client_id;
  const activate = store.activateClient;
  if (awaitsActivation(registration) && activate) {
    const expiresAt = settings.clientTtl > 0 ? now + settings.clientTtl : null;
    const activated = await callStore('activateClient', () => activate(clientId, now, expiresAt));
    if (activated === true) {
      await emitEvent(settings.onEvent, settings.logger, {
        type: 'client.activated',
        client_id: clientId,
        time: now,
      });
      return { activated: true };
    }
  }
  const touch = store.touchClient;
  // A use soon after the stored one changes nothing that matters: the write waits for the interval.
  const lastUsed = registration.last_used_at;
  const recent = lastUsed !== undefined && now >= lastUsed && now - lastUsed < settings.renewalInterval;
  if (touch && !recent) await callStore('touchClient', () => touch(clientId, now));
  return { activated: false };
}

/** A store failure (`callStore`'s 503 or 500) as the `ClientResolutionError` `resolveClient` answers. */
function resolutionFailure(error: unknown): unknown {
  if (!(error instanceof RegistrationError)) return error;
  if (error.status === 503) {
    return new ClientResolutionError(
      'temporarily_unavailable',
      'The client store is temporarily unavailable.',
      {
        cause: error,
      },
    );
  }
  return new ClientResolutionError('server_error', 'The client could not be found.', { cause: error });
}

/** A store call whose failure is a `ClientResolutionError`. */
async function resolutionCall<T>(operation: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await callStore(operation, run);
  } catch (error) {
    throw resolutionFailure(error);
  }
}

/** The stored registration of `clientId`, or `undefined`. */
async function storedRegistration<C>(
  settings: Settings<C>,
  clientId: string,
): Promise<ClientRegistration | undefined> {
  const { loadClient, clientRegistration } = settings.store;
  // With stateless registration and no stored clients, any other id is simply unknown.
  if ((!loadClient || !clientRegistration) && settings.statelessRegistration) return undefined;
  if (!loadClient || !clientRegistration) {
    throw new TypeError('This call needs the loadClient and clientRegistration callbacks.');
  }
  if (typeof clientId !== 'string' || clientId === '' || !isAcceptableClientId(clientId)) return undefined;
  return (await loadStoredClient(settings.store, clientId, resolutionCall))?.registration;
}

/**
 * The host's report of a successful grant to a client (the proof a public
 * `none` client cannot give at the token endpoint): a proven use. Rejects
 * with `ClientResolutionError`: `unknown_client` for a client that is not
 * registered or has expired, `pending_approval` for one waiting for approval.
 */
export async function reportClientUse<C>(settings: Settings<C>, clientId: string): Promise<ClientUse> {
  const general = settings as Settings<unknown>;
  const stateless = typeof clientId === 'string' && isStatelessClient(general, clientId);
  const registration = stateless
    ? await openStatelessClient(general, clientId).catch((error: unknown) => {
        throw resolutionFailure(error);
      })
    : await storedRegistration(settings, clientId);
  const now = Math.floor(settings.now() / 1000);
  if (!registration || registration.document_fetched_at !== undefined || isClientExpired(registration, now)) {
    throw new ClientResolutionError('unknown_client', 'The client is not registered or has expired.');
  }
  if (registration.pending_approval === true) throw pendingApproval();
  // A stateless id records nothing: its lifetime is fixed (docs/stateless-registration.md#limits).
  if (stateless) return { activated: false };
  try {
    return await recordProvenUse(settings, registration, now);
  } catch (error) {
    throw resolutionFailure(error);
  }
}

/**
 * Approves (`approveClient`) or rejects (`rejectClient`, which deletes it) a
 * pending client; emits `client.approved` or `client.rejected`. Resolves to
 * `true` when this call decided the client, `false` when it was not pending
 * (unknown, already approved, or decided by a concurrent call).
 */
export async function decideApproval<C>(
  settings: Settings<C>,
  clientId: string,
  decision: 'approved' | 'rejected',
): Promise<boolean> {
  const name = decision === 'approved' ? 'approveClient' : 'rejectClient';
  const decide = settings.store[name];
  if (!decide) throw new TypeError(`${name} needs the ${name} store callback.`);
  if (typeof clientId !== 'string' || clientId === '' || !isAcceptableClientId(clientId)) return false;
  const decided = await resolutionCall(name, () => decide(clientId));
  if (decided !== true) return false;
  await emitEvent(settings.onEvent, settings.logger, {
    type: decision === 'approved' ? 'client.approved' : 'client.rejected',
    client_id: clientId,
    time: Math.floor(settings.now() / 1000),
  });
  return true;
}
