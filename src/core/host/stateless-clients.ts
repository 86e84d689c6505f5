/**
 * Stateless clients (RFC 7591 Appendix A.5.2, docs/stateless-registration.md):
 * sealing a registration into its `client_id` within the 4,096-character
 * budget, opening one against the deny list, and revoking one.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { hashCredential } from '../credentials/credentials.js';
import { invalidClientMetadata } from '../errors.js';
import { emitEvent } from '../events.js';
import { isStatelessClientId, type StatelessCodec } from '../ports/stateless-codec.js';
import { isAcceptableClientId, MAX_CLIENT_ID_LENGTH } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore } from '../store/store-calls.js';

/** Whether `clientId` is decided by stateless registration: it is on and the id has the `sr.` prefix. */
export function isStatelessClient(settings: Settings<unknown>, clientId: string): boolean {
  return settings.statelessRegistration !== undefined && isStatelessClientId(clientId);
}

/**
 * The `client_id` carrying `registration`; refuses with
 * `invalid_client_metadata` naming the budget when it would be longer than
 * `MAX_CLIENT_ID_LENGTH`, since the id travels in URLs and Basic credentials.
 */
export async function sealStatelessClient(
  codec: StatelessCodec,
  registration: ClientRegistration,
): Promise<string> {
  const { client_id: _unsealed, ...sealed } = registration;
  const clientId = await codec.seal(sealed);
  if (clientId.length > MAX_CLIENT_ID_LENGTH) {
    throw invalidClientMetadata(
      `The registration does not fit in a client_id of at most ${MAX_CLIENT_ID_LENGTH} characters; send shorter or fewer metadata values.`,
    );
  }
  return clientId;
}

/** The deny-list key of a stateless id: its `sha256:` hash, short whatever the id's length. */
function denyKey(settings: Settings<unknown>, clientId: string): Promise<string> {
  return hashCredential(settings.crypto, clientId);
}

/**
 * The registration a stateless id carries, or `null` when it does not open
 * (tampered, an unknown or retired key, not text) or is on the deny list.
 * Expiry is the caller's check, as for a stored client.
 */
export async function openStatelessClient(
  settings: Settings<unknown>,
  clientId: string,
): Promise<ClientRegistration | null> {
  const codec = settings.statelessRegistration;
  const revoked = settings.store.isStatelessClientRevoked;
  if (!codec || !revoked || !isAcceptableClientId(clientId)) return null;
  const registration = await codec.open(clientId);
  if (registration === null) return null;
  const key = await denyKey(settings, clientId);
  if ((await callStore('isStatelessClientRevoked', () => revoked(key))) === true) return null;
  return registration;
}

/**
 * Puts a stateless id on the deny list until it expires and emits
 * `client.deleted`. Resolves to `false` for an id that does not open or is already denied.
 */
export async function revokeStatelessClient(settings: Settings<unknown>, clientId: string): Promise<boolean> {
  const revoke = settings.store.revokeStatelessClient;
  if (!revoke) throw new TypeError('revokeClient needs the revokeStatelessClient store callback.');
  const registration = await openStatelessClient(settings, clientId);
  if (registration === null) return false;
  const now = Math.floor(settings.now() / 1000);
  const until = registration.expires_at ?? now + (settings.statelessRegistration?.lifetime ?? 0);
  const key = await denyKey(settings, clientId);
  await callStore('revokeStatelessClient', () => revoke(key, until));
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.deleted',
    client_id: clientId,
    time: now,
  });
  return true;
}
