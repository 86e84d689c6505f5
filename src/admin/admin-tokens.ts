/**
 * Admin tokens: who may call the admin API. Only each token's SHA-256, in
 * lowercase hex, is configured (`REGISTRAR_ADMIN_TOKEN_HASH`), so an operator
 * can make one with `printf %s "$TOKEN" | sha256sum`; the token itself is
 * never stored (docs/admin-api.md#admin-tokens).
 *
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { base64url } from '../core/credentials/encoding.js';
import { ConfigurationError } from '../core/errors.js';

/** One configured admin token: its label (named in audit lines) and the hex SHA-256 of the token. */
export interface AdminToken {
  /** Who holds the token; `admin` when the entry gave none. */
  readonly label: string;
  /** Lowercase hex SHA-256 of the token. */
  readonly hash: string;
}

/** The environment variable that lists the admin token hashes. */
export const ADMIN_TOKEN_HASH_VARIABLE = 'REGISTRAR_ADMIN_TOKEN_HASH';

/** The label of an entry given without one. */
export const DEFAULT_ADMIN_LABEL = 'admin';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
/** What a label may hold: it is written into audit lines and shown in the console. */
const LABEL = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * Parses `label:HEX` or bare `HEX` entries, comma-separated; throws
 * `ConfigurationError` naming `source` for an entry that is neither.
 */
export function parseAdminTokenHashes(
  text: string,
  source: string = ADMIN_TOKEN_HASH_VARIABLE,
): AdminToken[] {
  const tokens: AdminToken[] = [];
  for (const [index, raw] of text.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const label = colon === -1 ? DEFAULT_ADMIN_LABEL : entry.slice(0, colon);
    const hash = colon === -1 ? entry : entry.slice(colon + 1);
    if (!HEX_SHA256.test(hash)) {
      throw new ConfigurationError(
        `${source}: entry ${index + 1} is not a lowercase hex SHA-256 (64 characters 0-9a-f), as "printf %s TOKEN | sha256sum" prints it.`,
      );
    }
    if (!LABEL.test(label)) {
      throw new ConfigurationError(
        `${source}: the label of entry ${index + 1} must be 1 to 64 letters, digits or . _ @ -.`,
      );
    }
    tokens.push({ label, hash });
  }
  return tokens;
}

/** The lowercase hex SHA-256 of a token, as `sha256sum` prints it. */
export function adminTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh admin token (256 random bits, base64url) and its configuration line. */
export function mintAdminToken(label: string = DEFAULT_ADMIN_LABEL): { token: string; entry: string } {
  if (!LABEL.test(label)) throw new ConfigurationError('--label must be 1 to 64 letters, digits or . _ @ -.');
  const token = base64url(randomBytes(32));
  return { token, entry: `${label}:${adminTokenHash(token)}` };
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The configured token an `Authorization` header presents, or `null`. Every
 * configured hash is compared, in constant time, whichever matches.
 */
export function matchAdminToken(
  authorization: string | null,
  tokens: readonly AdminToken[],
): AdminToken | null {
  const presented = authorization === null ? null : BEARER.exec(authorization)?.[1];
  if (presented === undefined || presented === null) return null;
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: AdminToken | null = null;
  for (const token of tokens) {
    if (timingSafeEqual(digest, Buffer.from(token.hash, 'hex')) && found === null) found = token;
  }
  return found;
}

/**
 * The admin tokens of `REGISTRAR_ADMIN_TOKEN_HASH`, at least one: an admin
 * listener no token can open is a `ConfigurationError`.
 */
export function requireAdminTokens(text: string): AdminToken[] {
  const tokens = parseAdminTokenHashes(text);
  if (tokens.length === 0) {
    throw new ConfigurationError(
      `The admin listener needs ${ADMIN_TOKEN_HASH_VARIABLE}: make a token with "registrar admin-token create".`,
    );
  }
  return tokens;
}
