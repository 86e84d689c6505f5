/**
 * What an MCP server (or any protected resource) publishes so clients find
 * its authorization server: OAuth 2.0 Protected Resource Metadata (RFC 9728)
 * and the `WWW-Authenticate` challenge that points at it (RFC 9728 §5.1,
 * RFC 6750 §3).
 *
 * @module
 */

import { ConfigurationError } from '../errors.js';
import { isLoopbackHostname } from '../metadata/redirect-uri.js';

/** The protected resource's metadata (RFC 9728 §2), under its wire names. */
export interface ProtectedResourceMetadata {
  /** The resource identifier: an `https` URL without a fragment (RFC 9728 §2). */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers that issue its tokens. */
  readonly authorization_servers?: readonly string[];
  readonly jwks_uri?: string;
  readonly scopes_supported?: readonly string[];
  /** How the access token may be sent (RFC 6750 §2): default `['header']`. */
  readonly bearer_methods_supported?: readonly ('header' | 'body' | 'query')[];
  readonly resource_signing_alg_values_supported?: readonly string[];
  /** A name for people, such as "Example MCP server". */
  readonly resource_name?: string;
  readonly resource_documentation?: string;
  readonly resource_policy_uri?: string;
  readonly resource_tos_uri?: string;
  readonly tls_client_certificate_bound_access_tokens?: boolean;
  readonly authorization_details_types_supported?: readonly string[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly dpop_bound_access_tokens_required?: boolean;
  /** Any further member, passed through. */
  readonly [member: string]: unknown;
}

function resourceUrl(resource: string): URL {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new ConfigurationError('resource must be an absolute https URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))) {
    throw new ConfigurationError('resource must be an https URL (http only on a loopback host).');
  }
  if (url.hash !== '' || resource.includes('#'))
    throw new ConfigurationError('resource must not have a fragment.');
  return url;
}

/**
 * The protected resource metadata document for `metadata.resource`, with
 * `bearer_methods_supported` defaulted to `['header']`, the only method MCP
 * allows. Throws `ConfigurationError` for a resource that is not an `https`
 * URL without a fragment.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 * @example
 * ```ts
 * const body = protectedResourceMetadata({
 *   resource: 'https://mcp.example.com/mcp',
 *   authorization_servers: ['https://auth.example.com'],
 * });
 * ```
 */
export function protectedResourceMetadata(metadata: ProtectedResourceMetadata): ProtectedResourceMetadata {
  resourceUrl(metadata.resource);
  return { bearer_methods_supported: ['header'], ...metadata };
}

/**
 * The URL the metadata of `resource` is published at: the well-known path
 * inserted between the host and the resource's path (RFC 9728 §3.1), so
 * `https://mcp.example.com/mcp` publishes at
 * `https://mcp.example.com/.well-known/oauth-protected-resource/mcp`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = resourceUrl(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}

/** What the challenge of a refused request says. */
export interface BearerChallengeOptions {
  /** The URL of the protected resource metadata (`protectedResourceMetadataUrl`). */
  readonly resourceMetadata: string;
  /** The scope the request needs (RFC 6750 §3). */
  readonly scope?: string;
  /** `invalid_token` or `insufficient_scope` (RFC 6750 §3.1); absent when no token was sent. */
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Text for the developer; RFC 6749 §5.2 characters only. */
  readonly errorDescription?: string;
}

// RFC 6750 §3: the values of the auth-params are quoted-strings without '"' or '\'.
const QUOTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The `WWW-Authenticate` value a protected resource answers a request
 * without a usable token with: `Bearer resource_metadata="..."` (RFC 9728
 * §5.1), with `scope`, `error` and `error_description` when given (RFC 6750
 * §3). Throws `ConfigurationError` for a value that cannot be quoted.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 * @example
 * ```ts
 * response.setHeader('www-authenticate', bearerChallenge({
 *   resourceMetadata: protectedResourceMetadataUrl('https://mcp.example.com/mcp'),
 * }));
 * ```
 */
export function bearerChallenge(options: BearerChallengeOptions): string {
  const parts: [string, string | undefined][] = [
    ['resource_metadata', options.resourceMetadata],
    ['scope', options.scope],
    ['error', options.error],
    ['error_description', options.errorDescription],
  ];
  const params: string[] = [];
  for (const [name, value] of parts) {
    if (value === undefined) continue;
    if (!QUOTABLE.test(value))
      throw new ConfigurationError(`${name} cannot be sent in a WWW-Authenticate challenge.`);
    params.push(`${name}="${value}"`);
  }
  return `Bearer ${params.join(', ')}`;
}
