/**
 * Client configuration management (RFC 7592 §2, docs/management.md): authenticate
 * with the registration access token, then read, update or delete.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { hashCredential, mintSecret, verifyCredential } from '../credentials/credentials.js';
import { accessDenied, invalidClientMetadata, invalidRequest, invalidToken } from '../errors.js';
import { emitEvent } from '../events.js';
import { openStatelessClient } from '../host/stateless-clients.js';
import { issuesSecret } from '../metadata/validate-metadata.js';
import type { SoftwareStatementCheck } from '../ports/admission-options.js';
import { isAcceptableClientId } from '../store/identifiers.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore, checkDeleteResult, checkWriteResult, loadStoredClient } from '../store/store-calls.js';
import { clientResponse } from './client-response.js';
import { issueClientSecret, settleMetadata } from './register-client.js';

/** Members a PUT body must not carry (RFC 7592 §2.2). */
export const PUT_FORBIDDEN_MEMBERS: readonly string[] = [
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
];

/** A management request whose token has been verified. */
export interface AuthenticatedClient<C> {
  readonly clientId: string;
  readonly client: C;
  /** The stored token hash the request authenticated with: the compare-and-swap value. */
  readonly tokenHash: string;
  /** The token as presented. */
  readonly token: string;
  /** The registration read while checking expiry, when the store can read one. */
  readonly registration?: ClientRegistration | undefined;
}

/**
 * Whether a client is past its `expires_at` (docs/client-authentication.md#client-lifecycle) at `now` (Unix
 * seconds): dead for management and authentication until the sweep removes it.
 */
export function isClientExpired(registration: ClientRegistration, now: number): boolean {
  return registration.expires_at !== undefined && now >= registration.expires_at;
}

/** Which management methods the configured callbacks support, in `Allow` order. */
export function managementMethods(settings: Settings<unknown>): string[] {
  const { store } = settings;
  const methods: string[] = [];
  if (store.clientRegistration) methods.push('GET');
  if (store.clientRegistration && store.updateClient) methods.push('PUT');
  if (store.unregisterClient) methods.push('DELETE');
  return methods;
}

/** Logs and reports a failed management authentication, then answers the one 401 `invalid_token` every failure gets. */
async function managementAuthFailed<C>(
  settings: Settings<C>,
  clientId: string,
  reason: string,
): Promise<never> {
  settings.logger.info({
    msg: 'management authentication failed',
    client_id: clientId.slice(0, 200),
    reason,
  });
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'management.auth_failed',
    client_id: clientId,
    time: Math.floor(settings.now() / 1000),
  });
  throw invalidToken();
}

/**
 * Verifies `token` for `clientId`. Every failure is the same 401
 * `invalid_token`, so nothing tells a wrong token from an unknown client; a
 * `clientId` no store could hold (see `isAcceptableClientId`) fails before any store call.
 */
export async function authenticateManagement<C>(
  settings: Settings<C>,
  clientId: string,
  token: string,
): Promise<AuthenticatedClient<C>> {
  const { store, crypto } = settings;
  const failed = (reason: string): Promise<never> => managementAuthFailed(settings, clientId, reason);
  if (!isAcceptableClientId(clientId)) return failed('client_id too long or not text');
  const load = store.loadClient;
  const read = store.clientRegistration;
  // One read for both when the store can (GET and PUT need the registration anyway).
  const oneRead = read !== undefined && store.loadClientWithRegistration !== undefined;
  const stored = oneRead ? await loadStoredClient(store, clientId) : undefined;
  const client = oneRead
    ? (stored?.client ?? null)
    : load
      ? await callStore('loadClient', () => load(clientId))
      : null;
  const readHash = store.clientRegistrationAccessTokenHash;
  let storedHash: unknown = null;
  if (client !== null && client !== undefined && readHash) {
    storedHash = await callStore('clientRegistrationAccessTokenHash', () => readHash(client));
  }
  // Hash the presented token whatever happened above, so timing tells nothing either.
  const matches = await verifyCredential(crypto, token, storedHash);
  if (client === null || client === undefined) return failed('unknown client');
  if (!readHash) return failed('clientRegistrationAccessTokenHash is not configured');
  if (storedHash === null || storedHash === undefined) return failed('no token hash stored');
  if (!matches) return failed('token mismatch');
  let registration: ClientRegistration | null | undefined = stored?.registration;
  if (read && !oneRead) {
    registration = await callStore('clientRegistration', () => read(client));
    if (registration === null || registration === undefined) return failed('unknown client');
  }
  if (registration && isClientExpired(registration, Math.floor(settings.now() / 1000))) {
    return failed('client expired');
  }
  return {
    clientId,
    client,
    tokenHash: storedHash as string,
    token,
    registration: registration ?? undefined,
  };
}

/** The registration `authenticateManagement` read; GET and PUT are mounted only when it can read one. */
function loadRegistration<C>(auth: AuthenticatedClient<C>): ClientRegistration {
  if (!auth.registration) throw new TypeError('clientRegistration is not configured');
  return auth.registration;
}

async function persistUpdate<C>(
  settings: Settings<C>,
  auth: AuthenticatedClient<C>,
  next: ClientRegistration,
): Promise<void> {
  const update = settings.store.updateClient;
  if (!update) throw new TypeError('updateClient is not configured');
  const result = checkWriteResult(
    'updateClient',
    await callStore('updateClient', () => update(auth.client, next, auth.tokenHash)),
  );
  if (result.ok) return;
  if (result.reason === 'conflict' || result.reason === 'not_found') {
    // Another request with the same token won the compare-and-swap (RFC 7592 §2.2).
    throw invalidToken(new Error(`updateClient: ${result.reason}`));
  }
  settings.logger.warn({ msg: 'store refused update', client_id: auth.clientId, reason: result.reason });
  throw invalidClientMetadata('The client update was refused.');
}

/** GET (RFC 7592 §2.1): the current registration and a usable token. */
export async function readClient<C>(
  settings: Settings<C>,
  auth: AuthenticatedClient<C>,
): Promise<Record<string, unknown>> {
  const registration = loadRegistration(auth);
  let token = auth.token;
  if (settings.rotateRegistrationAccessToken === 'always') {
    token = mintSecret(settings.crypto);
    const rotated = {
      ...registration,
      registration_access_token_hash: await hashCredential(settings.crypto, token),
    };
    await persistUpdate(settings, auth, rotated);
  }
  return clientResponse(settings, registration, { registrationAccessToken: token });
}

/**
 * PUT (RFC 7592 §2.2): the body replaces the metadata whole. Checks the
 * framing members, verifies a software statement with `checkStatement`
 * (without one, the statement the client holds applies again, so attested
 * members cannot be replaced by plain JSON), validates and applies policies
 * as for registration, then swaps atomically.
 */
export async function updateClient<C>(
  settings: Settings<C>,
  auth: AuthenticatedClient<C>,
  document: Record<string, unknown>,
  checkStatement?: SoftwareStatementCheck,
): Promise<Record<string, unknown>> {
  const { crypto } = settings;
  if (document.client_id === undefined || document.client_id === null) {
    throw invalidRequest('The request body must carry client_id.');
  }
  if (document.client_id !== auth.clientId) {
    throw invalidRequest('client_id in the body does not match the client being updated.');
  }
  for (const member of PUT_FORBIDDEN_MEMBERS) {
    if (document[member] !== undefined && document[member] !== null) {
      throw invalidRequest(`${member} must not be sent in an update request.`);
    }
  }
  const current = loadRegistration(auth);
  const presentedSecret = document.client_secret;
  if (presentedSecret !== undefined && presentedSecret !== null) {
    // RFC 7592 §2.2: a client cannot choose its secret; one sent must be the current one.
    const matches =
      typeof presentedSecret === 'string' &&
      (await verifyCredential(crypto, presentedSecret, current.client_secret_hash));
    if (!matches) throw invalidRequest('client_secret does not match the current client secret.');
  }
  // The members a software statement attested stay bound to it (see checkStatement).
  const bound = current.metadata.software_statement;
  const statement = checkStatement
    ? await checkStatement(document, typeof bound === 'string' ? bound : undefined)
    : { document };
  const { metadata } = await settleMetadata(settings, statement, {
    operation: 'update',
    clientId: auth.clientId,
    tokenPolicy: current.initial_access_token_policy,
  });
  const next: ClientRegistration = {
    ...current,
    metadata,
  };
  let clientSecret: string | undefined;
  if (issuesSecret(metadata)) {
    if (current.client_secret_hash === undefined) {
      clientSecret = await issueClientSecret(settings, next, Math.floor(settings.now() / 1000));
    }
  } else {
    delete next.client_secret_hash;
    next.client_secret_expires_at = 0;
  }
  let token = auth.token;
  if (settings.rotateRegistrationAccessToken !== 'never') {
    token = mintSecret(crypto);
    next.registration_access_token_hash = await hashCredential(crypto, token);
  }
  await persistUpdate(settings, auth, next);
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.updated',
    client_id: auth.clientId,
    time: Math.floor(settings.now() / 1000),
  });
  return clientResponse(settings, next, { clientSecret, registrationAccessToken: token });
}

/** DELETE (RFC 7592 §2.3): removes the client; afterwards all its credentials are dead. */
export async function deleteClient<C>(settings: Settings<C>, auth: AuthenticatedClient<C>): Promise<void> {
  const unregister = settings.store.unregisterClient;
  if (!unregister) throw new TypeError('unregisterClient is not configured');
  const result = checkDeleteResult(await callStore('unregisterClient', () => unregister(auth.client)));
  if (result !== undefined && !result.ok) {
    if (result.reason === 'not_found') throw invalidToken(new Error('unregisterClient: not_found'));
    settings.logger.warn({ msg: 'store refused deletion', client_id: auth.clientId, reason: result.reason });
    throw accessDenied('The client cannot be deleted.');
  }
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.deleted',
    client_id: auth.clientId,
    time: Math.floor(settings.now() / 1000),
  });
}

/** The RFC 7592 methods a stateless id answers: read, and delete as revocation. */
export const STATELESS_MANAGEMENT_METHODS: readonly string[] = ['GET', 'DELETE'];

/**
 * Verifies a registration access token against the hash a stateless id
 * carries (docs/stateless-registration.md#management). Every failure is the
 * same 401 `invalid_token` and `management.auth_failed`, as for a stored client.
 */
export async function authenticateStatelessManagement(
  settings: Settings<unknown>,
  clientId: string,
  token: string,
): Promise<ClientRegistration> {
  const registration = await openStatelessClient(settings, clientId);
  // Hash the presented token whatever opened, so timing tells nothing.
  const matches = await verifyCredential(
    settings.crypto,
    token,
    registration?.registration_access_token_hash,
  );
  const now = Math.floor(settings.now() / 1000);
  const reason =
    registration === null
      ? 'unknown client'
      : !matches
        ? 'token mismatch'
        : isClientExpired(registration, now)
          ? 'client expired'
          : undefined;
  if (registration === null || reason !== undefined) {
    return managementAuthFailed(settings, clientId, reason ?? 'unknown client');
  }
  return registration;
}
