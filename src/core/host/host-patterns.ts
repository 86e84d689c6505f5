/**
 * Host patterns of the metadata document trust policy
 * (docs/client-id-metadata-documents.md#trust-policy): `*` (any host), a host
 * name or IPv4 address (that host), or `*.` and a host name (any host below
 * it, not the name itself). Hosts are compared in the form a URL parser
 * writes them: lower case, international names in their `xn--` form.
 *
 * @module
 */

import { ConfigurationError } from '../errors.js';

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Checks one configured pattern; throws `ConfigurationError` naming `name` for one that is not.
 * @see docs/client-id-metadata-documents.md#trust-policy
 */
export function checkHostPattern(pattern: unknown, name: string): void {
  if (pattern === '*') return;
  const host = typeof pattern === 'string' && pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (typeof host !== 'string' || !HOST_NAME.test(host)) {
    throw new ConfigurationError(
      `${name} must hold '*', host names in lower case, or '*.' followed by a host name.`,
    );
  }
}

/**
 * Whether `hostname` (as `URL.hostname` gives it) matches one of `patterns`.
 * @see docs/client-id-metadata-documents.md#trust-policy
 */
export function matchesHostPattern(hostname: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.startsWith('*.')) return hostname.endsWith(pattern.slice(1));
    return hostname === pattern;
  });
}
