/**
 * Redirect URI matching for the host's authorization endpoint (docs/client-authentication.md#client-authentication-at-your-token-endpoint):
 * exact string comparison (RFC 6749 §3.1.2.3, OAuth 2.0 Security BCP
 * RFC 9700 §4.1.3), except that a loopback redirect URI matches on any port
 * (RFC 8252 §7.3), because a native app picks a free port at run time.
 *
 * @module
 */

import type { ClientMetadata } from '../metadata/client-metadata.js';
import { isLoopbackHostname } from '../metadata/redirect-uri.js';
import type { ClientRegistration } from '../store/registration-store.js';

// scheme "://" host [":" port] rest — the host is a bracketed IPv6 literal or a plain name.
const HTTP_URI = /^(http):\/\/(\[[^\]]*\]|[^/?#:@[\]]*)(?::(\d*))?([/?#].*)?$/i;

/** The parts of a loopback `http` URI that must match, or `null` when it is not one. */
function loopbackWithoutPort(uri: string): string | null {
  const match = HTTP_URI.exec(uri);
  if (!match) return null;
  const host = (match[2] as string).toLowerCase();
  if (!isLoopbackHostname(host)) return null;
  return `http://${host}${match[4] ?? ''}`;
}

/**
 * Whether `requested` is one of the client's registered redirect URIs.
 * Strings are compared exactly; a registered loopback `http` URI
 * (`127.0.0.0/8`, `[::1]`, `localhost`) also matches the same URI with any
 * port (RFC 8252 §7.3). `client` is a registration or its metadata.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2.3
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
export function matchRedirectUri(client: ClientRegistration | ClientMetadata, requested: string): boolean {
  if (typeof requested !== 'string') return false;
  // ClientMetadata's index signature lets it hold a `metadata` member too, so TypeScript cannot tell the two apart.
  const metadata = (
    typeof (client as ClientRegistration).metadata === 'object' &&
    (client as ClientRegistration).metadata !== null
      ? (client as ClientRegistration).metadata
      : client
  ) as ClientMetadata;
  const registered = Array.isArray(metadata.redirect_uris) ? metadata.redirect_uris : [];
  if (registered.includes(requested)) return true;
  const requestedLoopback = loopbackWithoutPort(requested);
  if (requestedLoopback === null) return false;
  return registered.some((uri) => typeof uri === 'string' && loopbackWithoutPort(uri) === requestedLoopback);
}
