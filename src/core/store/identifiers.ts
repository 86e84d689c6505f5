/**
 * Limits on the identifiers a client chooses and Registrar passes to a store:
 * a `client_id` (in the management path, the token request or
 * `resolveClient`) and the `jti` of a `private_key_jwt` assertion. One that
 * breaks them is refused with the ordinary authentication failure before any
 * store is asked, so every store sees only text it can keep and look up.
 *
 * @module
 */

/**
 * The longest `client_id` looked up, in UTF-16 code units. Registrar's own
 * ids are far shorter; self-contained ids a host mints must stay within it.
 */
export const MAX_CLIENT_ID_LENGTH = 4096;

/** The longest `jti` of a client assertion remembered for replay protection, in UTF-16 code units. */
export const MAX_JTI_LENGTH = 1024;

// A surrogate that is not half of a pair: not Unicode text, so no store can keep it as such.
const LONE_SURROGATE = /\p{Cs}/u;

function isUsable(value: string, maxLength: number): boolean {
  return value.length <= maxLength && !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** Whether a presented `client_id` may be looked up: within the length, no NUL, well-formed Unicode. */
export function isAcceptableClientId(clientId: string): boolean {
  return isUsable(clientId, MAX_CLIENT_ID_LENGTH);
}

/** Whether an assertion's `jti` may be recorded: within the length, no NUL, well-formed Unicode. */
export function isAcceptableJti(jti: string): boolean {
  return isUsable(jti, MAX_JTI_LENGTH);
}
