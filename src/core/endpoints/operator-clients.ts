/**
 * Clients an operator registers, changes, re-keys or removes (docs/operations.md#operator-managed-clients):
 * the same metadata rules and host policies as RFC 7591 registration, without the
 * admission steps (no initial access token, rate limit, caps or approval), for the
 * library calls, the CLI and the admin API.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { mintClientId } from '../credentials/credentials.js';
import { accessDenied, invalidClientMetadata, invalidRequest } from '../errors.js';
import { emitEvent } from '../events.js';
import { ClientResolutionError } from '../host/client-resolution-error.js';
import { issuesSecret } from '../metadata/validate-metadata.js';
import { isAcceptableClientId } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore, checkDeleteResult, checkWriteResult, loadStoredClient } from '../store/store-calls.js';
import { clientResponse } from './client-response.js';
import { PUT_FORBIDDEN_MEMBERS } from './manage-client.js';
import { issueClientSecret, issueRegistrationAccessToken, settleMetadata } from './register-client.js';

/** What `rotateClientSecret` answers: the new secret, shown once. */
export interface RotatedSecret {
  readonly client_id: string;
  readonly client_secret: string;
  /** Unix seconds; 0 means never. */
  readonly client_secret_expires_at: number;
}

/** Members the server owns, which an operator's metadata must not carry. */
const SERVER_OWNED_MEMBERS: readonly string[] = [
  ...PUT_FORBIDDEN_MEMBERS,
  'client_secret',
  'software_statement',
];

function seconds(settings: Settings<unknown>): number {
  return Math.floor(settings.now() / 1000);
}

/** Refuses what is not a JSON object or carries a member the server owns. */
function checkDocument(document: unknown, clientId?: string): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidRequest('The client metadata must be a JSON object.');
  }
  const members = document as Record<string, unknown>;
  for (const member of SERVER_OWNED_MEMBERS) {
    if (members[member] !== undefined && members[member] !== null) {
      throw invalidClientMetadata(`${member} is set by the server and must not be sent.`);
    }
  }
  const named = members.client_id;
  if (clientId === undefined && named !== undefined && named !== null) {
    throw invalidClientMetadata('client_id is minted by the server and must not be sent.');
  }
  if (clientId !== undefined && named !== undefined && named !== null && named !== clientId) {
    throw invalidRequest('client_id in the metadata does not match the client being updated.');
  }
  const { client_id: _omitted, ...rest } = members;
  return rest;
}

function unknownClient(): ClientResolutionError {
  return new ClientResolutionError('unknown_client', 'The client is not registered.');
}

/** The stored client and its registration, for a stored (not document, not stateless) client. */
async function storedClient<C>(
  settings: Settings<C>,
  clientId: string,
): Promise<{ client: C; registration: ClientRegistration }> {
  const { loadClient, clientRegistration } = settings.store;
  if (!loadClient || !clientRegistration) {
    throw new TypeError('This call needs the loadClient and clientRegistration callbacks.');
  }
  if (typeof clientId !== 'string' || clientId === '' || !isAcceptableClientId(clientId))
    throw unknownClient();
  const stored = await loadStoredClient(settings.store, clientId);
  if (!stored) throw unknownClient();
  return stored;
}

/** Swaps in `next` while the stored token hash is still the one read; a concurrent change is refused. */
async function replaceRegistration<C>(
  settings: Settings<C>,
  client: C,
  current: ClientRegistration,
  next: ClientRegistration,
): Promise<void> {
  const update = settings.store.updateClient;
  if (!update) throw new TypeError('This call needs the updateClient callback.');
  const expected = current.registration_access_token_hash;
  if (expected === undefined) {
    throw invalidRequest(
      'The client was stored without the registration access token hash an update compares, so it cannot be changed here.',
    );
  }
  const result = checkWriteResult(
    'updateClient',
    await callStore('updateClient', () => update(client, next, expected)),
  );
  if (result.ok) return;
  if (result.reason === 'not_found') throw unknownClient();
  if (result.reason === 'conflict') {
    throw invalidRequest('The client changed while this call ran; read it again and retry.');
  }
  settings.logger.warn({
    msg: 'store refused operator update',
    client_id: current.client_id,
    reason: result.reason,
  });
  throw invalidClientMetadata('The client update was refused.');
}

/**
 * Registers a client with the metadata an operator chose and answers the
 * RFC 7591 §3.2.1 body, with the secret and registration access token minted
 * here (shown this once). The client never expires for want of use: an
 * operator vouched for it, so neither `clientTtl` nor the activation window applies.
 */
export async function createOperatorClient<C>(
  settings: Settings<C>,
  document: unknown,
): Promise<Record<string, unknown>> {
  const register = settings.store.registerClient;
  if (!register) throw new TypeError('createClient needs the registerClient callback.');
  const { metadata } = await settleMetadata(
    settings,
    { document: checkDocument(document) },
    { operation: 'register' },
  );
  const issuedAt = seconds(settings);
  const registration: ClientRegistration = {
    client_id: mintClientId(settings.crypto),
    client_id_issued_at: issuedAt,
    client_secret_expires_at: 0,
    metadata,
  };
  const clientSecret = issuesSecret(metadata)
    ? await issueClientSecret(settings, registration, issuedAt)
    : undefined;
  const registrationAccessToken = await issueRegistrationAccessToken(settings, registration);
  const result = checkWriteResult(
    'registerClient',
    await callStore('registerClient', () => register(registration)),
  );
  if (!result.ok) {
    settings.logger.warn({ msg: 'store refused operator registration', reason: result.reason });
    throw invalidClientMetadata('The client registration was refused.');
  }
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.registered',
    client_id: registration.client_id,
    time: issuedAt,
  });
  return clientResponse(settings, registration, { clientSecret, registrationAccessToken });
}

/**
 * Replaces a stored client's metadata whole, validated as a registration is
 * and under the policy of the initial access token it registered with. The
 * client keeps its secret and registration access token; a client that comes
 * to need a secret gets one (in the answer, this once), one that no longer
 * does loses it.
 */
export async function updateOperatorClient<C>(
  settings: Settings<C>,
  clientId: string,
  document: unknown,
): Promise<Record<string, unknown>> {
  const members = checkDocument(document, clientId);
  const { client, registration } = await storedClient(settings, clientId);
  if (registration.document_fetched_at !== undefined) {
    throw invalidRequest('A metadata document client is described by its document: refresh it instead.');
  }
  const { metadata } = await settleMetadata(
    settings,
    { document: members },
    { operation: 'update', clientId, tokenPolicy: registration.initial_access_token_policy },
  );
  const next: ClientRegistration = { ...registration, metadata };
  let clientSecret: string | undefined;
  if (!issuesSecret(metadata)) {
    delete next.client_secret_hash;
    next.client_secret_expires_at = 0;
  } else if (registration.client_secret_hash === undefined) {
    clientSecret = await issueClientSecret(settings, next, seconds(settings));
  }
  await replaceRegistration(settings, client, registration, next);
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.updated',
    client_id: clientId,
    time: seconds(settings),
  });
  return clientResponse(settings, next, { clientSecret });
}

/** Mints a new secret for a stored confidential client; the old one stops working at once. */
export async function rotateOperatorClientSecret<C>(
  settings: Settings<C>,
  clientId: string,
): Promise<RotatedSecret> {
  const { client, registration } = await storedClient(settings, clientId);
  if (registration.client_secret_hash === undefined) {
    throw invalidRequest(
      'The client has no client secret to rotate: its token_endpoint_auth_method takes none.',
    );
  }
  const next: ClientRegistration = { ...registration };
  const secret = await issueClientSecret(settings, next, seconds(settings));
  await replaceRegistration(settings, client, registration, next);
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.secret_rotated',
    client_id: clientId,
    time: seconds(settings),
  });
  return {
    client_id: clientId,
    client_secret: secret,
    client_secret_expires_at: next.client_secret_expires_at,
  };
}

/** Removes a stored client; `false` when there was none. */
export async function deleteOperatorClient<C>(settings: Settings<C>, clientId: string): Promise<boolean> {
  const unregister = settings.store.unregisterClient;
  if (!unregister) throw new TypeError('deleteClient needs the unregisterClient callback.');
  let client: C;
  try {
    ({ client } = await storedClient(settings, clientId));
  } catch (error) {
    if (error instanceof ClientResolutionError) return false;
    throw error;
  }
  const result = checkDeleteResult(await callStore('unregisterClient', () => unregister(client)));
  if (result !== undefined && !result.ok) {
    if (result.reason === 'not_found') return false;
    settings.logger.warn({ msg: 'store refused deletion', client_id: clientId, reason: result.reason });
    throw accessDenied('The client cannot be deleted.');
  }
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.deleted',
    client_id: clientId,
    time: seconds(settings),
  });
  return true;
}
