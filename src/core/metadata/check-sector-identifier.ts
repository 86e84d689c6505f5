/**
 * The `sector_identifier_uri` check (OpenID Connect Dynamic Client
 * Registration 1.0 §5, docs/behaviour.md): the document is fetched through the safe
 * fetcher and must be a JSON array of strings holding every registered
 * redirect URI. It runs after the synchronous metadata validation, so a
 * request with bad metadata costs no outbound request.
 *
 * @module
 */

import { decodeUtf8 } from '../credentials/encoding.js';
import { invalidClientMetadata, quoted } from '../errors.js';
import { describeFetchFailure, type OutboundFetch, type OutboundResponse } from '../ports/outbound-fetch.js';
import type { ClientMetadata } from './client-metadata.js';
import { isString } from './metadata-values.js';

/**
 * Fetches and checks the sector identifier document of validated metadata;
 * does nothing when it has no `sector_identifier_uri`. Throws
 * `invalid_client_metadata` naming the failure, never an address.
 */
export async function checkSectorIdentifier(metadata: ClientMetadata, fetch: OutboundFetch): Promise<void> {
  const location = metadata.sector_identifier_uri;
  if (typeof location !== 'string') return;
  let response: OutboundResponse;
  try {
    response = await fetch(location, { accept: 'application/json', purpose: 'sector_identifier' });
  } catch (error) {
    throw invalidClientMetadata(
      `sector_identifier_uri could not be fetched: ${describeFetchFailure(error)}.`,
      error,
    );
  }
  // A redirect is an answer like any other non-200: the fetcher follows none (docs/operations.md#outbound-fetches-the-ssrf-guard).
  if (response.status !== 200) {
    throw invalidClientMetadata(
      `sector_identifier_uri answered with HTTP status ${response.status}; 200 is required.`,
    );
  }
  let entries: unknown;
  try {
    entries = JSON.parse(decodeUtf8(response.body));
  } catch (error) {
    throw invalidClientMetadata('sector_identifier_uri did not return valid JSON.', error);
  }
  if (!Array.isArray(entries) || !entries.every(isString)) {
    throw invalidClientMetadata('sector_identifier_uri did not return a JSON array of strings.');
  }
  const listed = new Set(entries);
  for (const [index, redirectUri] of (metadata.redirect_uris ?? []).entries()) {
    if (!listed.has(redirectUri)) {
      throw invalidClientMetadata(
        `The sector_identifier_uri document does not list the redirect URI ${quoted(redirectUri, `at redirect_uris[${index}]`)}.`,
      );
    }
  }
}
