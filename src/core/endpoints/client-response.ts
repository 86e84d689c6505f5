/**
 * The client information response (RFC 7591 §3.2.1, RFC 7592 §3): metadata
 * plus the server-owned members. Plaintext credentials appear only when they
 * were minted or presented in this very request.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import type { ClientRegistration } from '../store/registration-store.js';

/** Credentials to include in one response. */
export interface IssuedCredentials {
  /** A client secret minted by this request. */
  readonly clientSecret?: string | undefined;
  /** The registration access token to hand back: the presented one or a new one. */
  readonly registrationAccessToken?: string | undefined;
}

/** `registration_client_uri`: the registration endpoint, `/`, and the percent-encoded `client_id`. */
export function registrationClientUri(settings: Settings<unknown>, clientId: string): string {
  return `${settings.registrationEndpoint}/${encodeURIComponent(clientId)}`;
}

/** Builds the JSON body describing a client. */
export function clientResponse(
  settings: Settings<unknown>,
  registration: ClientRegistration,
  credentials: IssuedCredentials,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    client_id: registration.client_id,
    client_id_issued_at: registration.client_id_issued_at,
  };
  if (credentials.clientSecret !== undefined) body.client_secret = credentials.clientSecret;
  if (registration.client_secret_hash !== undefined) {
    body.client_secret_expires_at = registration.client_secret_expires_at;
  }
  for (const [member, value] of Object.entries(registration.metadata)) {
    if (!Object.hasOwn(body, member)) body[member] = value;
  }
  if (credentials.registrationAccessToken !== undefined) {
    body.registration_access_token = credentials.registrationAccessToken;
    body.registration_client_uri = registrationClientUri(settings, registration.client_id);
  }
  return body;
}
