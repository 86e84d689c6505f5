/**
 * Redirect URI rules (RFC 7591 §2, RFC 6749 §3.1.2, RFC 8252 §7, OpenID
 * Connect Registration §2).
 *
 * @module
 */

import { invalidRedirectUri, type RegistrationError } from '../errors.js';

/** Schemes that can run code or read local data in a user agent; never a redirect target. */
export const FORBIDDEN_REDIRECT_SCHEMES: ReadonlySet<string> = new Set([
  'javascript',
  'data',
  'vbscript',
  'file',
  'blob',
  'about',
  'filesystem',
  'view-source',
]);

/**
 * Which private-use schemes a native client may register (RFC 8252 §7.1):
 * `'any'` (the default) any syntactically valid scheme that is not refused
 * (`FORBIDDEN_REDIRECT_SCHEMES`; `http` and `https` keep their own rules), so
 * `cursor://` and `windsurf://` register; `'reverse-domain'` only schemes
 * with a dot, as RFC 8252 §7.1 asks (`com.example.app:/cb`); or an explicit
 * list of the schemes allowed.
 */
export type PrivateUseSchemes = 'any' | 'reverse-domain' | readonly string[];

/** Loopback host names accepted for plain `http` (RFC 8252 §7.3, §8.3). */
export const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '[::1]']);

/** Longest redirect URI accepted, in characters. */
export const MAX_REDIRECT_URI_LENGTH = 2048;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
/** Control characters and whitespace, including Unicode spaces: never part of a URI a client registers. */
export const UNSAFE_CHARACTERS: RegExp =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/** Builds the error a refused URI is answered with; `invalid_redirect_uri` unless the member wants another. */
export type UriFailure = (description: string) => RegistrationError;

/** How a redirect URI is classified once it parses. */
export type RedirectUriKind = 'https' | 'loopback' | 'private-use';

/** A redirect URI that passed the shape checks, with its classification. */
export interface ParsedRedirectUri {
  readonly value: string;
  readonly kind: RedirectUriKind;
  readonly url: URL;
}

/** Whether a WHATWG-normalised host name is a loopback host: `localhost`, `127.0.0.0/8` or `[::1]`. */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_HOSTNAMES.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Parses and classifies one redirect URI, refusing every shape that is never
 * acceptable whatever the client type. `member` names the metadata member in
 * error descriptions; `fail` builds the error.
 */
export function parseRedirectUri(
  value: unknown,
  member: string = 'redirect_uris',
  fail: UriFailure = invalidRedirectUri,
  privateUseSchemes: PrivateUseSchemes = 'any',
): ParsedRedirectUri {
  if (typeof value !== 'string' || value.length === 0) {
    throw fail(`Each entry of ${member} must be a non-empty string.`);
  }
  if (value.length > MAX_REDIRECT_URI_LENGTH) {
    throw fail(`An entry of ${member} is longer than ${MAX_REDIRECT_URI_LENGTH} characters.`);
  }
  if (UNSAFE_CHARACTERS.test(value)) {
    throw fail(`An entry of ${member} contains whitespace or a control character.`);
  }
  if (value.includes('*')) {
    throw fail(`An entry of ${member} contains a wildcard; redirect URIs are matched exactly.`);
  }
  const schemeMatch = SCHEME.exec(value);
  if (!schemeMatch) {
    throw fail(`An entry of ${member} is not an absolute URI.`);
  }
  const scheme = (schemeMatch[1] as string).toLowerCase();
  if (FORBIDDEN_REDIRECT_SCHEMES.has(scheme)) {
    throw fail(`An entry of ${member} uses the forbidden scheme '${scheme}'.`);
  }
  // RFC 6749 §3.1.2: the endpoint URI must not include a fragment component.
  if (value.includes('#')) {
    throw fail(`An entry of ${member} contains a fragment.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(`An entry of ${member} is not a valid URI.`);
  }
  if (scheme === 'http' || scheme === 'https') {
    if (!value.slice(scheme.length + 1).startsWith('//') || url.hostname === '') {
      throw fail(`An entry of ${member} is not an absolute URI with a host.`);
    }
    const authority = value.slice(scheme.length + 3).split(/[/?]/, 1)[0] ?? '';
    if (authority.includes('@') || url.username !== '' || url.password !== '') {
      throw fail(`An entry of ${member} contains user information.`);
    }
    if (scheme === 'https') return { value, kind: 'https', url };
    if (!isLoopbackHostname(url.hostname)) {
      throw fail(`An entry of ${member} uses http on a host other than loopback; use https.`);
    }
    return { value, kind: 'loopback', url };
  }
  if (privateUseSchemes === 'reverse-domain' && !scheme.includes('.')) {
    // RFC 8252 §7.1: a private-use scheme is a reverse domain name.
    throw fail(
      `An entry of ${member} uses the scheme '${scheme}', which is neither https nor a reverse-domain private-use scheme.`,
    );
  }
  if (typeof privateUseSchemes !== 'string' && !privateUseSchemes.includes(scheme)) {
    throw fail(`An entry of ${member} uses the scheme '${scheme}', which this server does not allow.`);
  }
  if (url.username !== '' || url.password !== '' || /^[^:]+:\/\/[^/?]*@/.test(value)) {
    throw fail(`An entry of ${member} contains user information.`);
  }
  if (url.pathname === '') {
    throw fail(`An entry of ${member} uses a private-use scheme without a path.`);
  }
  return { value, kind: 'private-use', url };
}

/**
 * Checks a parsed redirect URI against the client's type and grants:
 * private-use schemes only for native clients (RFC 8252 §7.1); a web client
 * using `implicit` only `https` and never `localhost` (OpenID Connect Registration §2).
 */
export function checkRedirectUriForClient(
  uri: ParsedRedirectUri,
  applicationType: string,
  usesImplicit: boolean,
  member = 'redirect_uris',
  fail: UriFailure = invalidRedirectUri,
): void {
  if (uri.kind === 'private-use' && applicationType !== 'native') {
    throw fail(`An entry of ${member} uses a private-use scheme, which only native clients may use.`);
  }
  if (applicationType === 'web' && usesImplicit) {
    if (uri.kind !== 'https' || isLoopbackHostname(uri.url.hostname)) {
      throw fail(
        `Web clients using the implicit grant must use https redirect URIs on a host other than localhost (${member}).`,
      );
    }
  }
}
