/**
 * Stateless registration (RFC 7591 Appendix A.5.2, docs/stateless-registration.md):
 * the `client_id` carries the registration, sealed with a server key. The
 * sealing needs a JOSE library, so the core sees only this port; the
 * composition passes an implementation in (`crypto/stateless-client-id.ts`).
 *
 * @module
 */

import type { ClientRegistration } from '../store/registration-store.js';

/** The prefix of every stateless `client_id`; a minted random id (base64url, no dot) never has it. */
export const STATELESS_CLIENT_ID_PREFIX = 'sr.';

/** A key that seals stateless ids: `secret` is 32 bytes, base64url, for `dir` + `A256GCM`. */
export interface StatelessRegistrationKey {
  /** Names the key in the id's protected header, so an id opens under the key that sealed it. */
  readonly kid: string;
  /** 32 random bytes, base64url without padding. */
  readonly secret: string;
}

/** Seals registrations into ids and opens them again. */
export interface StatelessCodec {
  /** Seconds a stateless id lives from its registration. */
  readonly lifetime: number;
  /** The `client_id` carrying `registration` (whose own `client_id` is not sealed), under the newest key. */
  seal(registration: Omit<ClientRegistration, 'client_id'>): Promise<string>;
  /**
   * The registration `clientId` carries, its `client_id` set to `clientId`;
   * `null` for anything that does not open under a configured key (tampered,
   * another key, another issuer, not an id at all), every failure alike.
   */
  open(clientId: string): Promise<ClientRegistration | null>;
}

/** Whether `clientId` has the stateless prefix (`sr.`). */
export function isStatelessClientId(clientId: string): boolean {
  return clientId.startsWith(STATELESS_CLIENT_ID_PREFIX);
}
