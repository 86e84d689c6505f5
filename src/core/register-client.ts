/**
 * The registration use-case (RFC 7591 §3, DESIGN §4.1 steps 9 to 13): validate,
 * mint and hash credentials, persist through `registerClient`, emit, respond.
 *
 * @module
 */

import { checkSectorIdentifier } from './check-sector-identifier.js';
import { clientResponse } from './client-response.js';
import type { Settings } from './config.js';
import { hashCredential, mintClientId, mintSecret } from './credentials.js';
import { invalidClientMetadata } from './errors.js';
import { emitEvent } from './events.js';
import { callStore, checkWriteResult } from './store-calls.js';
import type { ClientRegistration } from './store-contract.js';
import { SECRET_AUTH_METHODS, validateClientMetadata } from './validate-metadata.js';

/** Registers one client from a parsed request document and returns the 201 body. */
export async function registerClient<C>(
  settings: Settings<C>,
  document: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { crypto, store } = settings;
  // Step 9: metadata validation (DESIGN §5).
  const metadata = validateClientMetadata(document, settings.rules);
  // The sector identifier fetch (DESIGN §8) comes after every check that costs nothing.
  await checkSectorIdentifier(metadata, settings.outboundFetch);

  // Step 11: mint credentials; only their hashes reach the store.
  const issuedAt = Math.floor(settings.now() / 1000);
  const registration: ClientRegistration = {
    client_id: mintClientId(crypto),
    client_id_issued_at: issuedAt,
    client_secret_expires_at: 0,
    metadata,
  };
  let clientSecret: string | undefined;
  if (SECRET_AUTH_METHODS.has(metadata.token_endpoint_auth_method as string)) {
    clientSecret = mintSecret(crypto);
    registration.client_secret_hash = await hashCredential(crypto, clientSecret);
    registration.client_secret_expires_at =
      settings.clientSecretTtl > 0 ? issuedAt + settings.clientSecretTtl : 0;
  }
  let registrationAccessToken: string | undefined;
  if (settings.managementEnabled) {
    registrationAccessToken = mintSecret(crypto);
    registration.registration_access_token_hash = await hashCredential(crypto, registrationAccessToken);
  }
  const register = store.registerClient;
  if (!register) throw new TypeError('registerClient is not configured');
  const result = checkWriteResult(
    'registerClient',
    await callStore('registerClient', () => register(registration)),
  );
  if (!result.ok) {
    settings.logger.warn({
      msg: 'store refused registration',
      client_id: registration.client_id,
      reason: result.reason,
    });
    throw invalidClientMetadata('The client registration was refused.');
  }

  // Step 12: the event; a failing handler changes nothing.
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.registered',
    client_id: registration.client_id,
    time: issuedAt,
  });

  // Step 13: every registered member plus the credentials minted here.
  return clientResponse(settings, registration, { clientSecret, registrationAccessToken });
}
