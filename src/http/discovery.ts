/**
 * The discovery document on the wire: the paths it is served at under the
 * issuer and the headers of its answer, for the handler to route when
 * `discoveryEnabled` is set.
 *
 * @module
 */

import type { Settings } from '../core/config/settings.js';
import { discoveryDocument, wellKnownPath } from '../core/host/discovery.js';
import { allowOriginHeaders } from './responses.js';
import type { RegistrarRequest, RegistrarResponse } from './types.js';

/**
 * How long a client or a shared cache may keep the document, in seconds: it
 * changes only with the configuration, and a restart with a new one shows
 * within five minutes.
 */
export const DISCOVERY_MAX_AGE_SECONDS = 300;

/**
 * The request paths of the document for `issuer`: both well-known suffixes
 * inserted before the issuer's path (RFC 8414 §3.1), and `openid-configuration`
 * appended to it (OpenID Connect Discovery §4.1), which is the same path for
 * an issuer without one.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.1
 */
export function discoveryPaths(issuer: string): ReadonlySet<string> {
  const issuerPath = new URL(issuer).pathname.replace(/\/+$/, '');
  return new Set([
    wellKnownPath(issuer, 'oauth-authorization-server'),
    wellKnownPath(issuer, 'openid-configuration'),
    `${issuerPath}/.well-known/openid-configuration`,
  ]);
}

/**
 * The answer to a GET or HEAD of a discovery path, built once from the
 * settings: the document as JSON, publicly cacheable for
 * `DISCOVERY_MAX_AGE_SECONDS`, with the `cors` setting's allow-origin. Under a
 * list of origins the answer varies by `Origin` whether or not this request
 * sent a listed one, so a shared cache never hands one origin's answer to another.
 */
export function discoveryResponder(
  settings: Settings<unknown>,
): (request: RegistrarRequest) => RegistrarResponse {
  const body = JSON.stringify(discoveryDocument(settings));
  const cors = settings.cors;
  const vary: Record<string, string> = cors !== false && cors.origins !== '*' ? { vary: 'Origin' } : {};
  return (request) => ({
    status: 200,
    headers: {
      'content-type': 'application/json',
      'cache-control': `public, max-age=${DISCOVERY_MAX_AGE_SECONDS}`,
      ...vary,
      ...allowOriginHeaders(cors, request.header('origin')),
    },
    body: request.method === 'HEAD' ? null : body,
  });
}
